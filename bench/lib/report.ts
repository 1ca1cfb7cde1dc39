import type { RatioSpec, Target, Workload } from "../workloads/types.js";
import type { Machine } from "./database.js";
import type { ProbeResult } from "./probe.js";
import type { Summary } from "./stats.js";

export interface RatioResult {
  readonly of: string;
  readonly to: string;
  readonly summary: Summary;
  readonly target?: Target;
  readonly met?: boolean;
}

export interface WorkloadResult {
  readonly description: string;
  /** events/s per side. */
  readonly sides: Record<string, { readonly description: string; readonly rate: Summary }>;
  /** Each the median (min, max) of the per-run ratios. */
  readonly ratios: Record<string, RatioResult>;
  readonly extras: Record<
    string,
    { readonly description: string; readonly value: Summary; readonly max?: Target; readonly met?: boolean }
  >;
}

export interface PgbenchResult {
  readonly command: string;
  readonly tps: Summary;
}

export interface Results {
  readonly date: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
  readonly versions: Record<string, string>;
  readonly quick: boolean;
  readonly runs: number;
  readonly scale: Record<string, number>;
  readonly workloads: Record<string, WorkloadResult>;
  /** Issue 5's headline ratios, flat: each the median of the per-run ratios. */
  readonly ratios: Record<string, number>;
  readonly probe?: { readonly stackledger: ProbeCounts; readonly emmett: ProbeCounts };
  readonly probeDetail?: ProbeResult;
  readonly pgbench?: PgbenchResult;
}

interface ProbeCounts {
  readonly lost: number;
  readonly duplicated: number;
}

export function isMet(target: Target, ratio: Summary): boolean {
  return ratio.median >= target.min;
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0);
}

const range = (summary: Summary, format: (value: number) => string) =>
  `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;

/** Rows of a plain table, padded; used for the terminal and, with `markdown`, for docs/benchmarks.md. */
export function formatRows(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  markdown = false,
): string {
  if (markdown) {
    const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
  }
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)].join("\n");
}

/** The side-by-side table: one row per workload, ours / Emmett / ceiling rates and the headline ratios. */
export function formatSideBySide(
  workloads: readonly Workload[],
  results: Record<string, WorkloadResult>,
  markdown = false,
): string {
  const header = [
    "workload",
    "ours ev/s",
    "Emmett ev/s",
    "ceiling ev/s",
    "ratios: median (min–max), target, met?",
  ];
  const rows = workloads.flatMap((workload) => {
    const result = results[workload.name];
    if (!result) return [];
    const rate = (side: string | undefined) =>
      side && result.sides[side] ? range(result.sides[side]!.rate, formatRate) : "—";
    const ratios = Object.entries(result.ratios)
      .map(([key, ratio]) => {
        const target = ratio.target ? ` ≥ ${ratio.target.min}× ${ratio.met ? "yes" : "NO"}` : "";
        return `${key.startsWith(`${workload.name}.`) ? key.slice(workload.name.length + 1) : key} ${range(ratio.summary, (v) => v.toFixed(2))}${target}`;
      })
      .join("; ");
    return [
      [
        workload.name,
        rate(workload.chart.ours),
        rate(workload.chart.emmett),
        rate(workload.chart.ceiling),
        ratios,
      ],
    ];
  });
  return formatRows(header, rows, markdown);
}

/** Every side and extra figure of every workload, for the details section. */
export function formatDetails(
  workloads: readonly Workload[],
  results: Record<string, WorkloadResult>,
  markdown = false,
): string {
  const header = ["workload", "side / figure", "what", "median (min–max)"];
  const rows = workloads.flatMap((workload) => {
    const result = results[workload.name];
    if (!result) return [];
    return [
      ...Object.entries(result.sides).map(([side, { description, rate }]) => [
        workload.name,
        side,
        description,
        `${range(rate, formatRate)} ev/s`,
      ]),
      ...Object.entries(result.extras).map(([name, extra]) => [
        workload.name,
        name,
        extra.description,
        `${range(extra.value, (v) => (v < 1 ? v.toFixed(3) : v.toFixed(0)))}${extra.max ? ` (≤ ${extra.max.min}: ${extra.met ? "met" : "NOT met"})` : ""}`,
      ]),
    ];
  });
  return formatRows(header, rows, markdown);
}

export function formatProbe(probe: ProbeResult, markdown = false): string {
  const readers = Object.keys(probe.stackledger.readers);
  const header = [
    "reader.page size",
    "stackledger lost",
    "stackledger duplicated",
    "Emmett lost",
    "Emmett duplicated",
  ];
  const rows = readers.map((reader) => {
    const ours = probe.stackledger.readers[reader]!;
    const theirs = probe.emmett.readers[reader];
    return [
      reader,
      String(ours.lost),
      String(ours.duplicated),
      String(theirs?.lost ?? "—"),
      String(theirs?.duplicated ?? "—"),
    ];
  });
  rows.push([
    "total",
    String(probe.stackledger.lost),
    String(probe.stackledger.duplicated),
    String(probe.emmett.lost),
    String(probe.emmett.duplicated),
  ]);
  return formatRows(header, rows, markdown);
}

export function ratioOf(spec: RatioSpec, rates: Readonly<Record<string, number>>): number {
  return (rates[spec.of] ?? Number.NaN) / (rates[spec.to] ?? Number.NaN);
}
