import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** The random identity the first migration gave this log; cursors carry a prefix of it. */
export async function readLogId(db: Kysely<Database>): Promise<string> {
  const row = await db.selectFrom("log_meta").select("log_id").executeTakeFirstOrThrow();
  return row.log_id;
}
