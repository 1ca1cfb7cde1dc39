import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { EVENT_SELECTION, type EventColumnsRow, type StoredEvent, toStoredEvent } from "./stored-event.js";

/** Every event of one stream in version order; an empty list when the stream does not exist. */
export async function readStream(
  db: Kysely<Database>,
  logId: string,
  streamId: string,
): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom("events")
    .select([...EVENT_SELECTION])
    .where("stream_id", "=", streamId)
    .orderBy("stream_version")
    .execute();
  return rows.map((row) => toStoredEvent(logId, row as EventColumnsRow));
}
