import { sql } from "kysely";
import type { EventRow } from "../db/schema.js";
import { encodeCursor, type LogPosition } from "./cursor.js";

/** An event as the log returns it (the API's envelope). */
export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
  readonly cursor: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  /** Delivery-order coordinates, kept for readers; not part of the JSON envelope. */
  readonly at: LogPosition;
}

/** The columns every reader selects, in one place. */
export const EVENT_COLUMNS = [
  "position",
  "stream_id",
  "stream_version",
  "event_id",
  "type",
  "data",
  "metadata",
  "recorded_at",
] as const;

/** xid8 as text: both drivers then agree, and 64 bits never pass through a JS number. */
export const XID_AS_TEXT = sql<string>`xid::text`.as("xid");

export type EventColumnsRow = Pick<EventRow, (typeof EVENT_COLUMNS)[number] | "xid">;

export function toStoredEvent(logId: string, row: EventColumnsRow): StoredEvent {
  const at = { xid: String(row.xid), position: Number(row.position) };
  return {
    id: row.event_id,
    type: row.type,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    position: at.position,
    cursor: encodeCursor(logId, at),
    recordedAt: new Date(row.recorded_at).toISOString(),
    data: row.data as Record<string, unknown>,
    // Stored exactly as sent; the default is applied when reading, never written in.
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    at,
  };
}

/** The JSON envelope of api.md (drops the internal coordinates). */
export function toEnvelope(event: StoredEvent) {
  const { at: _at, ...envelope } = event;
  return envelope;
}
