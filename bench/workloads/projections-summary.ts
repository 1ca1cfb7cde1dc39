/** The projections suite's results (the `projections` key of the results file) and issue 13's targets. */
import { type Latency, latency, type Summary, summarize } from "../lib/stats.js";
import type {
  LiveLagRun,
  LoadRun,
  MemoryRun,
  ProjectionsScale,
  RebuildRun,
  RestartRun,
  ViewsRun,
} from "./projections.js";

export const TARGETS = {
  /** Rebuild wall time ÷ the same run's read of the whole log through readAll. */
  rebuildToReadAll: 1.5,
  projectorPeakRssMiB: 768,
  apiRssMiB: 300,
  lagP99Ms: 500,
  lagMaxMs: 1000,
  currentP99Ms: 20,
  firstPastMs: 1000,
  laterPastMs: 200,
  restartMs: 5000,
} as const;

/** A first request and the later ones: `cold` and `warm` (the names of the issue-3 results). */
export interface FirstAndLaterSummary {
  readonly cold: Summary;
  readonly warm: Summary;
}

export interface ProjectionsResult {
  readonly description: string;
  readonly seed: number;
  /** "Today" for the views: the processes' own clock (the date of the run). */
  readonly clock: string;
  readonly scale: ProjectionsScale;
  readonly log: {
    readonly events: number;
    readonly companies: number;
    readonly deals: number;
    readonly mix: Record<string, number>;
    readonly validated: number;
    readonly eventsTableMiB: number;
    /** How the set-up wrote the log: "copy" (bench/lib/copy-log.ts). */
    readonly loader: string;
    /** events / seconds of the COPY set-up (not a target: appends are measured by the other workloads) */
    readonly loadEventsPerSecond: number;
    readonly loadSeconds: number;
    readonly generateSeconds: number;
  };
  readonly rebuild: {
    /** projections × events / wall time from the projector's spawn to every build live at the head. */
    readonly endToEndEventsPerSecond: Summary;
    readonly wallSeconds: Summary;
    /** Of the wall time: spawn to "projector running" (Node, tsx, connect, migrate). */
    readonly startUpSeconds: Summary;
    /** The whole log through readAll (pages of 5000) in the bench process, just before each rebuild. */
    readonly readAllSeconds: Summary;
    /** wall ÷ readAll, per run. */
    readonly ratioToReadAll: Summary;
    /** events / (finished_at − started_at) of each projection's build. */
    readonly perProjectionEventsPerSecond: Record<string, Summary>;
    readonly peakRssMiB: Summary;
    readonly rows: Record<string, number>;
  };
  readonly restart: {
    /** A new projector process after SIGKILL: spawn to every checkpoint at the new head. */
    readonly liveAgainMs: Summary;
    /** Of that: spawn to "projector running". */
    readonly startUpMs: Summary;
    readonly peakRssMiB: Summary;
  };
  readonly live: {
    readonly seconds: number;
    readonly appended: number;
    readonly appendsPerSecond: number;
    /** Lag of every (append, projection) pair, ms. */
    readonly lagMs: Latency;
    readonly perProjectionLagMs: Record<string, Latency>;
    readonly uncovered: number;
    /** The projector's VmHWM after the live window (since its spawn for the last rebuild). */
    readonly peakRssMiB: number;
  };
  readonly views: {
    readonly current: Record<string, Latency & { readonly bytes: number }>;
    readonly asOf: { readonly date: string; readonly byView: Record<string, FirstAndLaterSummary> };
    /** First request in a fresh API process with `knownAt` half-way through the log, then the later ones. */
    readonly knownAt: { readonly cursor: string; readonly byView: Record<string, FirstAndLaterSummary> };
    /** Fresh-process measurements that failed (missing from the figures above). */
    readonly failures: readonly string[];
  };
  /** API processes without a projector (`serve`, STACKLEDGER_PROJECTOR=false). */
  readonly api: {
    readonly currentViewsPeakRssMiB: number;
    readonly freshProcessesPeakRssMiB: Summary;
    readonly startMs: Summary;
  };
  readonly memory: {
    readonly snapshots: readonly { readonly kind: string; readonly events: number; readonly bytes: number }[];
    /** Newest snapshot of each kind ÷ deals (companies) of the log. */
    readonly snapshotBytesPerDeal: Record<string, number>;
    readonly snapshotBytesPerCompany: Record<string, number>;
    /** The projector's VmRSS after the live window ÷ deals (companies). */
    readonly projectorRssMiB: number;
    readonly projectorRssBytesPerDeal: number;
    readonly projectorRssBytesPerCompany: number;
  };
  readonly targets: Record<
    string,
    { readonly target: string; readonly figure: string; readonly met: boolean }
  >;
}

export interface ProjectionsRuns {
  readonly scale: ProjectionsScale;
  readonly log: LoadRun;
  readonly rebuilds: readonly RebuildRun[];
  readonly live: LiveLagRun;
  readonly restarts: readonly RestartRun[];
  readonly views: ViewsRun & { readonly knownAtCursor: string };
  readonly memory: MemoryRun;
  readonly liveRate: number;
  readonly seed: number;
  readonly asOf: string;
}

const firstAndLater = (runs: Record<string, { first: number[]; later: number[] }>) =>
  Object.fromEntries(
    Object.entries(runs).map(([name, v]) => [name, { cold: summarize(v.first), warm: summarize(v.later) }]),
  );

export function summarizeProjections(runs: ProjectionsRuns): ProjectionsResult {
  const { scale, log, rebuilds, live, restarts, views, memory } = runs;
  const projections = Object.keys(live.lags);
  const wall = rebuilds.map((r) => r.wallMs / 1000);
  const ratio = summarize(
    rebuilds.map((r) => r.wallMs / r.readAllMs),
    2,
  );
  const peakRss = summarize(rebuilds.map((r) => r.peakRssMiB));
  const perProjectionLag = Object.fromEntries(Object.entries(live.lags).map(([n, v]) => [n, latency(v, 0)]));
  const current = Object.fromEntries(
    Object.entries(views.current).map(([name, v]) => [name, { ...latency(v.ms), bytes: v.bytes }]),
  );
  const asOf = firstAndLater(views.asOf);
  const knownAt = firstAndLater(views.knownAt);
  const restart = summarize(restarts.map((r) => r.liveAgainMs));
  const freshRss = summarize(views.freshApiPeakRssMiB);
  const perDeal = (bytes: number) => Math.round(bytes / Math.max(1, log.deals));
  const perCompany = (bytes: number) => Math.round(bytes / Math.max(1, log.companies));
  const rssBytes = memory.projectorRssMiB * 2 ** 20;

  const worstLagP99 = Math.max(...Object.values(perProjectionLag).map((l) => l.p99));
  const worstLagMax = Math.max(...Object.values(perProjectionLag).map((l) => l.max));
  const worstCurrent = Math.max(...Object.values(current).map((v) => v.p99));
  // Medians over the runs (fresh processes, restarts), then the worst view.
  const worstFirst = (byView: Record<string, FirstAndLaterSummary>) =>
    Math.max(...Object.values(byView).map((v) => v.cold.median));
  const worstLater = (byView: Record<string, FirstAndLaterSummary>) =>
    Math.max(...Object.values(byView).map((v) => v.warm.median));
  const apiRss = Math.max(views.currentApiPeakRssMiB, freshRss.max);
  const target = (text: string, figure: string, met: boolean) => ({ target: text, figure, met });

  return {
    description:
      `synthetic log (bench/lib/synthetic-log.ts) written with COPY for the set-up; rebuild of the ${projections.length} ` +
      "projections by `stackledger project` against the same run's readAll of the whole log; live lag at 1000 ev/s; " +
      "restart after SIGKILL; views over HTTP from `stackledger serve` without a projector (fresh processes for asOf/knownAt)",
    seed: runs.seed,
    clock: new Date().toISOString().slice(0, 10),
    scale,
    log: {
      events: log.events,
      companies: log.companies,
      deals: log.deals,
      mix: log.mix,
      validated: log.validated,
      eventsTableMiB: log.eventsTableMiB,
      loader: "copy",
      loadEventsPerSecond: Math.round((log.events * 1000) / log.loadMs),
      loadSeconds: Number((log.loadMs / 1000).toFixed(1)),
      generateSeconds: Number((log.generateMs / 1000).toFixed(1)),
    },
    rebuild: {
      endToEndEventsPerSecond: summarize(
        rebuilds.map((r) => (projections.length * log.events * 1000) / r.wallMs),
      ),
      wallSeconds: summarize(wall, 1),
      startUpSeconds: summarize(
        rebuilds.map((r) => r.startUpMs / 1000),
        1,
      ),
      readAllSeconds: summarize(
        rebuilds.map((r) => r.readAllMs / 1000),
        1,
      ),
      ratioToReadAll: ratio,
      perProjectionEventsPerSecond: Object.fromEntries(
        projections.map((name) => [
          name,
          summarize(rebuilds.map((r) => r.perProjection[name] ?? Number.NaN)),
        ]),
      ),
      peakRssMiB: peakRss,
      rows: rebuilds[0]?.rows ?? {},
    },
    restart: {
      liveAgainMs: restart,
      startUpMs: summarize(restarts.map((r) => r.startUpMs)),
      peakRssMiB: summarize(restarts.map((r) => r.peakRssMiB)),
    },
    live: {
      seconds: Number(live.seconds.toFixed(1)),
      appended: live.appended,
      appendsPerSecond: Math.round(live.appended / live.seconds),
      lagMs: latency(Object.values(live.lags).flat(), 0),
      perProjectionLagMs: perProjectionLag,
      uncovered: live.uncovered,
      peakRssMiB: Math.round(memory.projectorPeakRssMiB),
    },
    views: {
      current,
      asOf: { date: runs.asOf, byView: asOf },
      knownAt: { cursor: views.knownAtCursor, byView: knownAt },
      failures: views.failures,
    },
    api: {
      currentViewsPeakRssMiB: Math.round(views.currentApiPeakRssMiB),
      freshProcessesPeakRssMiB: freshRss,
      startMs: summarize(views.startMs),
    },
    memory: {
      snapshots: memory.snapshots,
      snapshotBytesPerDeal: Object.fromEntries(memory.snapshots.map((s) => [s.kind, perDeal(s.bytes)])),
      snapshotBytesPerCompany: Object.fromEntries(memory.snapshots.map((s) => [s.kind, perCompany(s.bytes)])),
      projectorRssMiB: Math.round(memory.projectorRssMiB),
      projectorRssBytesPerDeal: perDeal(rssBytes),
      projectorRssBytesPerCompany: perCompany(rssBytes),
    },
    targets: {
      rebuildToReadAll: target(
        `rebuild ≤ ${TARGETS.rebuildToReadAll} × readAll of the whole log (same run)`,
        `${ratio.median} (${ratio.min}–${ratio.max})`,
        ratio.median <= TARGETS.rebuildToReadAll,
      ),
      projectorPeakRss: target(
        `projector peak RSS < ${TARGETS.projectorPeakRssMiB} MiB`,
        `${Math.max(peakRss.max, memory.projectorPeakRssMiB).toFixed(0)}`,
        Math.max(peakRss.max, memory.projectorPeakRssMiB) < TARGETS.projectorPeakRssMiB,
      ),
      apiRss: target(
        `API process without a projector < ${TARGETS.apiRssMiB} MiB while serving views`,
        `${apiRss.toFixed(0)} (current views ${views.currentApiPeakRssMiB.toFixed(0)}, fresh asOf/knownAt up to ${freshRss.max})`,
        apiRss < TARGETS.apiRssMiB,
      ),
      liveLag: target(
        `lag at ${runs.liveRate} appends/s: p99 < ${TARGETS.lagP99Ms} ms and max < ${TARGETS.lagMaxMs} ms, per projection`,
        `worst p99 ${worstLagP99}, worst max ${worstLagMax}${live.uncovered ? `, ${live.uncovered} uncovered` : ""}`,
        worstLagP99 < TARGETS.lagP99Ms && worstLagMax < TARGETS.lagMaxMs && live.uncovered === 0,
      ),
      currentViewP99: target(
        `current views p99 < ${TARGETS.currentP99Ms} ms (layers, dependencies, rankings, deals)`,
        `${worstCurrent}`,
        worstCurrent < TARGETS.currentP99Ms,
      ),
      firstAsOf: target(
        `first asOf in a fresh API process < ${TARGETS.firstPastMs} ms`,
        `${worstFirst(asOf)}`,
        worstFirst(asOf) < TARGETS.firstPastMs,
      ),
      firstKnownAt: target(
        `first knownAt in a fresh API process < ${TARGETS.firstPastMs} ms`,
        `${worstFirst(knownAt)}`,
        worstFirst(knownAt) < TARGETS.firstPastMs,
      ),
      laterPast: target(
        `later asOf / knownAt requests < ${TARGETS.laterPastMs} ms`,
        `${Math.max(worstLater(asOf), worstLater(knownAt))}`,
        Math.max(worstLater(asOf), worstLater(knownAt)) < TARGETS.laterPastMs,
      ),
      restart: target(
        `projector restart live again < ${TARGETS.restartMs} ms`,
        `${restart.median} (${restart.min}–${restart.max})`,
        restart.median < TARGETS.restartMs,
      ),
    },
  };
}
