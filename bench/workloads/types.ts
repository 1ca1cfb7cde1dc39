import type { BenchDatabase } from "../lib/database.js";

/** Events per side and per run. */
export interface Scale {
  readonly sequential: number;
  readonly concurrent: number;
  readonly batches: number;
  readonly http: number;
  readonly read: number;
}

export type Target =
  | { readonly kind: "ratio"; readonly min: number; readonly source: string }
  | { readonly kind: "rate"; readonly min: number; readonly source: string };

export interface RunResult {
  /** events/s */
  readonly ours: number;
  /** events/s of the side ours is compared with */
  readonly ceiling: number;
}

export interface Workload {
  readonly name: string;
  readonly ratioKey: string;
  readonly description: string;
  readonly ceilingDescription: string;
  readonly target: Target;
  /** The library's pool size for this workload. */
  readonly poolSize: number;
  /** Progress steps per run (setup + segments). */
  readonly steps: number;
  /** `run` counts from 1. */
  run(bench: BenchDatabase, scale: Scale, step: (phase: string) => void, run: number): Promise<RunResult>;
}

/** Timed segments per side: ABBA order. */
export const PAIRS = 2;
/** Untimed warm-up appends per side before the timed part (JIT, plan caches, connections). */
export const WARMUP = 64;
export const CONCURRENCY = 16;
