import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";

/** Where the stored transaction ids stand against the cluster's, and which log the database holds now. */
export interface LogHorizon {
  /** The highest xid stored in `events` or `view_changes` ("0" for an empty log). */
  readonly highestXid: string;
  /** The cluster's next transaction id: `pg_snapshot_xmax(pg_current_snapshot())`. */
  readonly nextXid: string;
  /**
   * True when stored ids reach the cluster's next id: a logical copy (pg_dump/pg_restore) into a younger
   * cluster. Readers would see none of that history and new appends would sort before it.
   */
  readonly ahead: boolean;
  /** The log id the database holds now (a repair or a restore changes it under a running process). */
  readonly logId: string;
}

/**
 * One statement, two index-only maxima (`(xid, position)` indexes): cheap enough for start-up, `/ready` and a
 * re-check every few seconds, never per request. xids travel as text (xid8 is 64-bit).
 */
export async function checkLogHorizon(db: Kysely<Database>): Promise<LogHorizon> {
  const { rows } = await sql<{ highest: string; next: string; log_id: string }>`
    select greatest(coalesce((select max(xid) from events), '0'::xid8),
                    coalesce((select max(xid) from view_changes), '0'::xid8))::text as highest,
           pg_snapshot_xmax(pg_current_snapshot())::text as next,
           (select log_id from log_meta) as log_id`.execute(db);
  const row = rows[0];
  if (!row) throw new Error("the log horizon query returned no row");
  return {
    highestXid: row.highest,
    nextXid: row.next,
    ahead: BigInt(row.highest) >= BigInt(row.next),
    logId: row.log_id,
  };
}
