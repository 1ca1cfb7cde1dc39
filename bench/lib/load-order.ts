import type { NewEvent } from "../../src/event-log/append-events.js";
import { parseEventInput } from "../../src/events/index.js";
import type { SyntheticLog } from "./synthetic-log.js";

/** Events per generated batch, and per append (or COPY transaction) of the loaders. */
export const LOAD_BATCH = 1000;

/**
 * Corrections are held back and appended together, one batch per CORRECTION_FLUSH batches (still after
 * the events they correct): a batch holding a DealCorrected cost a sequential scan of `events` in
 * checkDealChanges (docs/benchmarks.md, projections finding P1). Only the load's order changes, not the
 * log's content; both loaders (appendEvents and COPY) follow this order, so they write the same log.
 */
const CORRECTION_FLUSH = 100;

export interface LoadStats {
  generated: number;
  validated: number;
  /** Time spent generating and validating, ms. */
  generateMs: number;
}

/**
 * The synthetic log's first `events` events as the batches a loader writes, one transaction each, in
 * order. Every `validateEvery`-th generated event is checked with parseEventInput (an invalid one throws:
 * the COPY loader writes what it is given, so this is its only validation of the content).
 */
export function* loadBatches(
  generator: SyntheticLog,
  events: number,
  validateEvery: number,
  stats: LoadStats,
): Generator<NewEvent[]> {
  const corrections: NewEvent[] = [];
  let batches = 0;
  while (stats.generated < events) {
    const started = performance.now();
    const batch = generator.nextBatch(Math.min(LOAD_BATCH, events - stats.generated));
    for (let i = 0; i < batch.length; i++) {
      if ((stats.generated + i) % validateEvery !== 0) continue;
      const parsed = parseEventInput(batch[i]);
      if (!parsed.success) {
        throw new Error(
          `synthetic event ${stats.generated + i} is invalid: ${JSON.stringify(parsed.issues)}\n${JSON.stringify(batch[i])}`,
        );
      }
      stats.validated += 1;
    }
    stats.generated += batch.length;
    corrections.push(...batch.filter((event) => event.type === "DealCorrected"));
    const rest = batch.filter((event) => event.type !== "DealCorrected");
    stats.generateMs += performance.now() - started;
    if (rest.length > 0) yield rest;
    batches += 1;
    if (batches % CORRECTION_FLUSH === 0 || stats.generated >= events) {
      while (corrections.length > 0) yield corrections.splice(0, LOAD_BATCH);
    }
  }
}
