import type { ProjectionsResult } from "../workloads/projections.js";
import type { Target, Workload } from "../workloads/types.js";
import type { Machine } from "./database.js";
import type { Summary } from "./stats.js";

export interface WorkloadResult {
  readonly description: string;
  readonly ceilingDescription: string;
  readonly ours: Summary;
  readonly ceiling: Summary;
  readonly ratio: Summary;
  readonly target: Target;
  readonly met: boolean;
}

export interface Results {
  readonly date: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
  readonly quick: boolean;
  readonly runs: number;
  readonly scale: Record<string, number>;
  readonly workloads: Record<string, WorkloadResult>;
  readonly ratios: Record<string, number>;
  /** The projection benchmarks (issue 3), when they ran. */
  readonly projections?: ProjectionsResult;
}

export function isMet(target: Target, ours: Summary, ratio: Summary): boolean {
  return target.kind === "ratio" ? ratio.median >= target.min : ours.median >= target.min;
}

export function describeTarget(target: Target): string {
  const figure = target.kind === "ratio" ? `≥ ${target.min}×` : `≥ ${formatRate(target.min)} ev/s`;
  return `${figure} (${target.source})`;
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(0);
}

/** The plain-text table printed at the end of a run. */
export function formatTable(workloads: readonly Workload[], results: Record<string, WorkloadResult>): string {
  const header = [
    "workload",
    "ours ev/s median (min–max)",
    "ceiling ev/s median",
    "ratio median (min–max)",
    "target",
    "met?",
  ];
  const rows = workloads.flatMap((workload) => {
    const result = results[workload.name];
    if (!result) return [];
    const { ours, ceiling, ratio } = result;
    return [
      [
        workload.name,
        `${formatRate(ours.median)} (${formatRate(ours.min)}–${formatRate(ours.max)})`,
        formatRate(ceiling.median),
        `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`,
        describeTarget(result.target),
        result.met ? "yes" : "NO",
      ],
    ];
  });
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)].join("\n");
}
