import type { BenchDatabase } from "../lib/database.js";

/** Events per side and per run. */
export interface Scale {
  readonly sequential: number;
  readonly concurrent: number;
  readonly batches: number;
  /** Successful appends to the hot stream, per side. */
  readonly hot: number;
  readonly http: number;
  readonly read: number;
  /** Events a projection catches up over. */
  readonly catchUp: number;
}

export interface Target {
  readonly min: number;
  readonly source: string;
}

/**
 * A ratio of two sides' rates measured in the same run (`of` / `to`). `headline` ratios are the keys of the
 * results' flat `ratios` object (issue 5's list); the others are reported in the workload's table only.
 */
export interface RatioSpec {
  readonly key: string;
  readonly of: string;
  readonly to: string;
  readonly target?: Target;
  readonly headline?: boolean;
}

/** What one run of a workload measured: events/s per side, and figures that are not rates. */
export interface RunFigures {
  readonly rates: Readonly<Record<string, number>>;
  /** e.g. the hot stream's conflict rate per side, or the API process's peak RSS. */
  readonly extra?: Readonly<Record<string, number>>;
}

/** Which side each bar of the chart is: ours, the peer, and the machine's ceiling for the same shape. */
export interface ChartSides {
  readonly ours: string;
  readonly emmett?: string;
  readonly ceiling?: string;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Every side the workload times, by name, with what it does; in display order. */
  readonly sides: Readonly<Record<string, string>>;
  readonly ratios: readonly RatioSpec[];
  readonly chart: ChartSides;
  /** Figures beside the rates, by name, with what they are and an optional upper bound. */
  readonly extras?: Readonly<Record<string, { readonly description: string; readonly max?: Target }>>;
  /** The library's pool size for this workload. */
  readonly poolSize: number;
  /** Progress steps per run (setup + timed segments). */
  readonly steps: number;
  /** `run` counts from 1. */
  run(bench: BenchDatabase, scale: Scale, step: (phase: string) => void, run: number): Promise<RunFigures>;
}

/** Timed segments per side: the order of the sides reverses from one to the next. */
export const SEGMENTS = 2;
/** Untimed warm-up appends per side before the timed part (JIT, plan caches, connections). */
export const WARMUP = 64;
export const CONCURRENCY = 16;
