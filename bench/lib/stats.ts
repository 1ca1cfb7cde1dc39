/** Median, min and max of one figure over the runs of a workload, plus the runs themselves. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[], digits = 0): Summary {
  const round = (value: number) => Number(value.toFixed(digits));
  return {
    median: round(median(values)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    runs: values.map(round),
  };
}

/** Events per second from a count and a duration in milliseconds. */
export function rate(events: number, ms: number): number {
  return ms > 0 ? (events * 1000) / ms : Number.NaN;
}

/** The nearest-rank percentile (p in 0..100) of a sample; NaN when it is empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50, p99 and max of a latency sample, in the sample's unit, rounded to `digits`. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

export function latency(values: readonly number[], digits = 1): Latency {
  const round = (value: number) => Number(value.toFixed(digits));
  return {
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(values.length === 0 ? Number.NaN : values.reduce((a, b) => Math.max(a, b))),
    count: values.length,
  };
}
