import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import { encodeCursor, type LogPosition, START } from "../event-log/cursor.js";

/** A change record of a projection, as the changes feed sends it. */
export interface ViewChangeRecord {
  readonly at: LogPosition;
  /** This record's own cursor (a change cursor). */
  readonly cursor: string;
  readonly projection: string;
  readonly version: number;
  /** The event cursor this record reflects. */
  readonly eventCursor: string;
  readonly asOf: string;
  readonly changes: unknown[];
}

/**
 * `view_changes` after a cursor through the same gap-free horizon query as the event log (the projector
 * writes them concurrently from several transactions, so position order alone would skip some).
 */
export async function readViewChanges(
  db: Kysely<Database>,
  logId: string,
  options: { after?: LogPosition; limit: number },
): Promise<{ records: ViewChangeRecord[]; end: boolean }> {
  const after = options.after ?? START;
  const result = await sql<{
    position: string | number;
    xid: string;
    projection: string;
    version: number;
    cursor: string;
    as_of: string;
    changes: unknown[];
  }>`
    select position, xid::text as xid, projection, version, cursor, to_char(as_of, 'YYYY-MM-DD') as as_of, changes
      from view_changes
     where view_changes.xid < pg_snapshot_xmin(pg_current_snapshot())
       and (view_changes.xid, position) > (${after.xid}::xid8, ${after.position}::bigint)
     order by view_changes.xid, position
     limit ${options.limit}`.execute(db);
  const records = result.rows.map((row) => {
    const at = { xid: row.xid, position: Number(row.position) };
    return {
      at,
      cursor: encodeCursor(logId, at, "change"),
      projection: row.projection,
      version: row.version,
      eventCursor: row.cursor,
      asOf: row.as_of,
      changes: row.changes,
    };
  });
  return { records, end: records.length < options.limit };
}
