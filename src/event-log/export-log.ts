import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import { type LogPosition, START } from "./cursor.js";
import type { ExportedEvent } from "./exported-event.js";

export interface ExportOptions {
  /** Export strictly after this place (a cursor a reader returned); default: the whole log. */
  readonly after?: LogPosition;
  /** Rows per query. */
  readonly pageSize?: number;
}

interface ExportRow {
  xid: string;
  position: string;
  event_id: string;
  type: string;
  stream_id: string;
  stream_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  recorded_at: string;
  actor: string | null;
}

/**
 * The log in delivery order, page by page, through the same horizon as every reader (so an export taken
 * while appends run is a consistent prefix, and `--after` with its last cursor continues it). `recordedAt`
 * keeps the stored microseconds.
 */
export async function* exportLog(
  db: Kysely<Database>,
  options: ExportOptions = {},
): AsyncGenerator<ExportedEvent & { readonly at: LogPosition }> {
  const pageSize = options.pageSize ?? 5000;
  let after = options.after ?? START;
  for (;;) {
    const { rows } = await sql<ExportRow>`
      select xid::text as xid, position::text as position, event_id, type, stream_id, stream_version, data, metadata,
             to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as recorded_at, actor
        from events
       where xid < pg_snapshot_xmin(pg_current_snapshot())
         and (xid, position) > (${after.xid}::xid8, ${after.position}::bigint)
       order by events.xid, events.position
       limit ${pageSize}`.execute(db);
    for (const row of rows) {
      yield {
        id: row.event_id,
        type: row.type,
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        data: row.data,
        ...(row.metadata === null ? {} : { metadata: row.metadata }),
        recordedAt: row.recorded_at,
        actor: row.actor,
        at: { xid: row.xid, position: Number(row.position) },
      };
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = { xid: last.xid, position: Number(last.position) };
  }
}

/** How many events an export after `after` will write (for the progress bar). */
export async function countExport(db: Kysely<Database>, after: LogPosition = START): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*)::text as n from events
     where xid < pg_snapshot_xmin(pg_current_snapshot())
       and (xid, position) > (${after.xid}::xid8, ${after.position}::bigint)`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
