/** The projections suite's table: plain text at the end of a run, markdown for docs/benchmarks.md. */
import { formatRows } from "../lib/report.js";
import type { Summary } from "../lib/stats.js";
import type { FirstAndLaterSummary, ProjectionsResult } from "./projections-summary.js";
import { TARGETS } from "./projections-summary.js";

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";
const range = (s: Summary, digits = 0, unit = "") =>
  s.runs.length > 1
    ? `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
    : `${fmt(s.median, digits)}${unit}`;
const yes = (met: boolean) => (met ? "yes" : "NO");

export function formatProjectionsTable(result: ProjectionsResult, markdown = false): string {
  const t = result.targets;
  const row = (figure: string, value: string, key?: string): string[] => [
    figure,
    value,
    key ? (t[key]?.target ?? "") : "",
    key ? yes(t[key]?.met ?? false) : "",
  ];
  const past = (kind: string, byView: Record<string, FirstAndLaterSummary>) =>
    Object.entries(byView).map(([name, v]) => [
      `  ${name} ?${kind}: first (fresh process) / later`,
      `${range(v.cold, 0, " ms")} / ${range(v.warm, 0, " ms")}`,
      `< ${TARGETS.firstPastMs} / < ${TARGETS.laterPastMs} ms`,
      `${yes(v.cold.median < TARGETS.firstPastMs)} / ${yes(v.warm.median < TARGETS.laterPastMs)}`,
    ]);
  const { log, rebuild, restart, live, views, api, memory } = result;
  const rows: string[][] = [
    row(
      `set-up: ${fmt(log.events)} events, ${fmt(log.deals)} deals, ${fmt(log.companies)} companies (${log.loader.toUpperCase()})`,
      `${fmt(log.loadEventsPerSecond)} ev/s, ${log.loadSeconds} s (not a target)`,
    ),
    row("readAll of the whole log (pages of 5000)", range(rebuild.readAllSeconds, 1, " s")),
    row(
      "rebuild of every projection, spawn to live (of which start-up)",
      `${range(rebuild.wallSeconds, 1, " s")} (${range(rebuild.startUpSeconds, 1, " s")})`,
    ),
    row("rebuild ÷ readAll (same run)", range(rebuild.ratioToReadAll, 2), "rebuildToReadAll"),
    ...Object.entries(rebuild.perProjectionEventsPerSecond).map(([name, s]) =>
      row(`  ${name} (own build time)`, `${range(s)} ev/s`),
    ),
    row(
      "projector peak RSS (rebuild; after live)",
      `${range(rebuild.peakRssMiB)}; ${fmt(live.peakRssMiB)} MiB`,
      "projectorPeakRss",
    ),
    row(
      `live lag at ${fmt(live.appendsPerSecond)} ev/s, ${live.seconds} s (all pairs)`,
      `p50 ${fmt(live.lagMs.p50)}, p99 ${fmt(live.lagMs.p99)}, max ${fmt(live.lagMs.max)} ms`,
      "liveLag",
    ),
    ...Object.entries(live.perProjectionLagMs).map(([name, l]) =>
      row(`  ${name}`, `p50 ${fmt(l.p50)}, p99 ${fmt(l.p99)}, max ${fmt(l.max)} ms`),
    ),
    row(
      "restart after SIGKILL, spawn to live (of which start-up)",
      `${range(restart.liveAgainMs, 0, " ms")} (${range(restart.startUpMs, 0, " ms")})`,
      "restart",
    ),
    ...Object.entries(views.current).map(([name, v]) => [
      `GET ${name} (current, first page)`,
      `p50 ${fmt(v.p50, 1)}, p99 ${fmt(v.p99, 1)} ms (${fmt(v.bytes / 1024)} KiB)`,
      `p99 < ${TARGETS.currentP99Ms} ms`,
      yes(v.p99 < TARGETS.currentP99Ms),
    ]),
    ...past(`asOf=${views.asOf.date}`, views.asOf.byView),
    ...past("knownAt=half-way", views.knownAt.byView),
    ...views.failures.map((failure) => row("FAILED", failure)),
    row(
      "API process without projector, peak RSS",
      `current views ${fmt(api.currentViewsPeakRssMiB)} MiB; fresh asOf/knownAt ${range(api.freshProcessesPeakRssMiB, 0, " MiB")}`,
      "apiRss",
    ),
    ...memory.snapshots.map((s) =>
      row(
        `snapshot ${s.kind} (at ${fmt(s.events)} events)`,
        `${fmt(s.bytes / 2 ** 20, 1)} MiB: ${fmt(memory.snapshotBytesPerDeal[s.kind] ?? Number.NaN)} B/deal, ${fmt(memory.snapshotBytesPerCompany[s.kind] ?? Number.NaN)} B/company`,
      ),
    ),
    row(
      "projector RSS after live ÷ deals, ÷ companies",
      `${fmt(memory.projectorRssMiB)} MiB: ${fmt(memory.projectorRssBytesPerDeal)} B/deal, ${fmt(memory.projectorRssBytesPerCompany)} B/company`,
    ),
  ];
  return formatRows(["projections figure", "median (min–max)", "target", "met?"], rows, markdown);
}
