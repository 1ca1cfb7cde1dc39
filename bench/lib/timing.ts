import { performance } from "node:perf_hooks";
import { rate } from "./stats.js";

/** Does `items` units of work; returns how many events that was. */
export type Segment = (from: number, to: number) => Promise<number>;

export interface Interleaved {
  /** Events per second of each side over all its segments. */
  readonly ours: number;
  readonly ceiling: number;
}

/**
 * Splits `items` units of work per side into `pairs` segments each and times them in ABBA order
 * (ours, ceiling, ceiling, ours, ...), so that drift in the machine's load during a run (the machine is
 * shared) falls on both sides alike. Item indexes are the same for both sides: ceiling and ours write to
 * different tables. `onSegment` is told after every segment; `ceilingFirst` starts with the ceiling (BAAB),
 * which lets a workload with a single pair per run alternate the order from run to run.
 */
export async function interleave(
  items: number,
  pairs: number,
  ours: Segment,
  ceiling: Segment,
  onSegment: (side: "ours" | "ceiling") => void = () => {},
  ceilingFirst = false,
): Promise<Interleaved> {
  const totals = { ours: { events: 0, ms: 0 }, ceiling: { events: 0, ms: 0 } };
  const bounds = (pair: number) => [
    Math.floor((items * pair) / pairs),
    Math.floor((items * (pair + 1)) / pairs),
  ];
  for (let pair = 0; pair < pairs; pair++) {
    const [from, to] = bounds(pair) as [number, number];
    const order: ("ours" | "ceiling")[] =
      (pair % 2 === 0) !== ceilingFirst ? ["ours", "ceiling"] : ["ceiling", "ours"];
    for (const side of order) {
      const started = performance.now();
      const events = await (side === "ours" ? ours : ceiling)(from, to);
      totals[side].ms += performance.now() - started;
      totals[side].events += events;
      onSegment(side);
    }
  }
  return {
    ours: rate(totals.ours.events, totals.ours.ms),
    ceiling: rate(totals.ceiling.events, totals.ceiling.ms),
  };
}

/** Runs `task(i)` for every i in [from, to) with `concurrency` callers pulling from one shared counter. */
export async function concurrently(
  from: number,
  to: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
