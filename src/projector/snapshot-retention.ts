/**
 * Which snapshots of a kind are kept: the newest few (starts, recent knowledge points), and a few older ones
 * spread along the log, so that a knowledge point anywhere in the history the projector lived through folds
 * a bounded number of events from the nearest snapshot at or before it, not the log from its start.
 */

/** The newest snapshots kept: a start uses the newest; the others cover a write that turns out damaged. */
export const NEWEST_KEPT = 3;
/** At most this many older ones, at grid points spread along the log. */
export const SPREAD_KEPT = 6;

export interface SnapshotPoint {
  readonly id: number;
  readonly events: number;
}

/**
 * The grid's stride for a head: the smallest power of two with at most `SPREAD_KEPT` multiples up to the
 * head. Powers of two, so that a stride's points stay points when the log grows and the stride doubles:
 * what a point kept is still there when a later prune looks for it.
 */
export function gridStride(head: number): number {
  return 2 ** Math.max(0, Math.ceil(Math.log2(head / SPREAD_KEPT)));
}

/**
 * The ids to keep among the complete snapshots (any order): the `NEWEST_KEPT` newest, and for each multiple
 * of `gridStride(head)` up to the head (head = the newest's events) the newest snapshot at or before it.
 * Pruned after every write, a series written at most `interval` events apart then always has a kept
 * snapshot within `gridStride(head) + interval` (< head / 3 + interval) events before any knowledge point
 * (or the log's start that close).
 */
export function snapshotsToKeep(snapshots: readonly SnapshotPoint[]): Set<number> {
  const byEvents = [...snapshots].sort((a, b) => b.events - a.events || b.id - a.id);
  const keep = new Set(byEvents.slice(0, NEWEST_KEPT).map((snapshot) => snapshot.id));
  const head = byEvents[0]?.events ?? 0;
  const stride = gridStride(head);
  for (let point = stride; point <= head; point += stride) {
    const atOrBefore = byEvents.find((snapshot) => snapshot.events <= point);
    if (atOrBefore) keep.add(atOrBefore.id);
  }
  return keep;
}
