import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import { type LogPosition, START } from "../event-log/cursor.js";

/**
 * The last readable place of a sequence (events or view_changes): the greatest (xid, position) below the
 * horizon. Everything before it is readable now, with no gap, so a tailer can start there.
 */
export async function readHead(db: Kysely<Database>, table: "events" | "view_changes"): Promise<LogPosition> {
  const result = await sql<{ xid: string; position: string | number }>`
    select t.xid::text as xid, t.position from ${sql.table(table)} as t
     where t.xid < pg_snapshot_xmin(pg_current_snapshot())
     order by t.xid desc, t.position desc limit 1`.execute(db);
  const row = result.rows[0];
  return row ? { xid: row.xid, position: Number(row.position) } : START;
}
