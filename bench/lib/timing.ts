import { performance } from "node:perf_hooks";
import { rate } from "./stats.js";

/** Does the units of work [from, to) on one side; returns how many events that was. */
export type Segment = (from: number, to: number) => Promise<number>;

/**
 * Splits `items` units of work per side into `segments` parts and times every side on each part, the
 * order reversed from one part to the next (A B C, C B A, A B C, ...), so that drift in the machine's load
 * during a run (the machine is shared) falls on all sides alike. Item indexes are the same for every side:
 * the sides write to different tables. `onSegment` is told after every timed segment; `reversedFirst`
 * starts with the reversed order, which lets a workload with one part per run alternate from run to run.
 * Returns events per second of each side over all its segments.
 */
export async function interleave<Side extends string>(
  items: number,
  segments: number,
  sides: Readonly<Record<Side, Segment>>,
  onSegment: (side: Side) => void = () => {},
  reversedFirst = false,
): Promise<Record<Side, number>> {
  const names = Object.keys(sides) as Side[];
  const totals = new Map(names.map((name) => [name, { events: 0, ms: 0 }]));
  for (let part = 0; part < segments; part++) {
    const from = Math.floor((items * part) / segments);
    const to = Math.floor((items * (part + 1)) / segments);
    const order = (part % 2 === 0) !== reversedFirst ? names : [...names].reverse();
    for (const side of order) {
      const started = performance.now();
      const events = await sides[side](from, to);
      const total = totals.get(side)!;
      total.ms += performance.now() - started;
      total.events += events;
      onSegment(side);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, rate(totals.get(name)!.events, totals.get(name)!.ms)]),
  ) as Record<Side, number>;
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

/** The same sides working on items shifted by `offset` (past the warm-up's items). */
export function offsetSides<Side extends string>(
  sides: Readonly<Record<Side, Segment>>,
  offset: number,
): Record<Side, Segment> {
  return Object.fromEntries(
    Object.entries<Segment>(sides).map(([name, side]) => [
      name,
      (from: number, to: number) => side(offset + from, offset + to),
    ]),
  ) as Record<Side, Segment>;
}
