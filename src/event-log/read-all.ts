import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import { type LogPosition, START } from "./cursor.js";
import { EVENT_SELECTION, type EventColumnsRow, type StoredEvent, toStoredEvent } from "./stored-event.js";

export interface ReadAllOptions {
  /** Resume strictly after this place (default: the start). Only cursors a reader returned are safe here. */
  readonly after?: LogPosition;
  readonly limit: number;
}

export interface ReadAllResult {
  readonly events: StoredEvent[];
  /** True when fewer than `limit` events were readable: the reader is at the horizon. */
  readonly end: boolean;
}

/**
 * The one read path of the log, used by every reader (API, projector, feed, rebuild).
 *
 * Positions are taken at INSERT but become visible at COMMIT, so `position > last` loses events under
 * concurrent appends. Instead: only rows whose writing transaction is older than every transaction still
 * running (`xid < pg_snapshot_xmin(pg_current_snapshot())`), in (xid, position) order, resuming after the
 * cursor. The horizon and the rows come from one statement, hence from one snapshot.
 */
export async function readAll(
  db: Kysely<Database>,
  logId: string,
  options: ReadAllOptions,
): Promise<ReadAllResult> {
  const after = options.after ?? START;
  const rows = await db
    .selectFrom("events")
    .select([...EVENT_SELECTION])
    .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`)
    .where(sql<boolean>`(xid, position) > (${after.xid}::xid8, ${after.position}::bigint)`)
    .orderBy(sql`events.xid`)
    .orderBy("position")
    .limit(options.limit)
    .execute();
  return {
    events: rows.map((row) => toStoredEvent(logId, row as EventColumnsRow)),
    end: rows.length < options.limit,
  };
}
