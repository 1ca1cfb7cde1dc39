import type { Migration } from "kysely";
import * as eventLog from "./2026-11-22T00-00-event-log.js";
import * as projections from "./2026-11-22T01-00-projections.js";
import * as appendInsertFirst from "./2026-11-22T02-00-append-insert-first.js";
import * as stateSnapshots from "./2026-12-06T00-00-state-snapshots.js";
import * as snapshotParts from "./2026-12-06T01-00-snapshot-parts.js";

/** Every migration, by name; names sort in the order they run. Registered statically so the build needs no file scan. */
export const migrations: Record<string, Migration> = {
  "2026-11-22T00-00-event-log": eventLog,
  "2026-11-22T01-00-projections": projections,
  "2026-11-22T02-00-append-insert-first": appendInsertFirst,
  "2026-12-06T00-00-state-snapshots": stateSnapshots,
  "2026-12-06T01-00-snapshot-parts": snapshotParts,
};
