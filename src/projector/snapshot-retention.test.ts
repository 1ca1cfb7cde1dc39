import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  gridStride,
  NEWEST_KEPT,
  type SnapshotPoint,
  SPREAD_KEPT,
  snapshotsToKeep,
} from "./snapshot-retention.js";

/** A projector's series: snapshots written at most `interval` events apart, pruned after each write. */
const series = fc
  .tuple(
    fc.integer({ min: 1, max: 50_000 }),
    fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 300, size: "max" }),
  )
  .map(([interval, steps]) => {
    let events = 0;
    let stored: SnapshotPoint[] = [];
    steps.forEach((step, id) => {
      events += 1 + (step % interval);
      stored.push({ id, events });
      const keep = snapshotsToKeep(stored);
      stored = stored.filter((snapshot) => keep.has(snapshot.id));
    });
    return { interval, head: events, stored };
  });

describe("which snapshots are kept, pruned after every write", () => {
  it("at most the newest three and six spread along the log, the newest always among them (property)", () => {
    fc.assert(
      fc.property(series, ({ head, stored }) => {
        expect(stored.length).toBeLessThanOrEqual(NEWEST_KEPT + SPREAD_KEPT);
        expect(stored.some((snapshot) => snapshot.events === head)).toBe(true);
        expect(gridStride(head)).toBeLessThan(Math.max(2, head / 3 + 1));
      }),
    );
  });

  it("a knowledge point anywhere has a kept snapshot less than a third of the log plus one interval before it (property)", () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 0, max: 1000 }), ({ interval, head, stored }, where) => {
        const known = Math.floor((where / 1000) * head);
        const start = Math.max(0, ...stored.filter((p) => p.events <= known).map((p) => p.events));
        expect(known - start).toBeLessThanOrEqual(gridStride(head) + interval);
      }),
    );
  });
});
