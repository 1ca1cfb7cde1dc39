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
] as const;

/** xid8 as text: both drivers then agree, and 64 bits never pass through a JS number. */
export const XID_AS_TEXT = sql<string>`xid::text`.as("xid");

/**
 * `recorded_at` as the envelope's ISO text, formatted by the server: cheaper than a Date parsed by the driver
 * and formatted again, on the hottest read path.
 */
export const RECORDED_AT_ISO =
  sql<string>`to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as("recorded_at");

/** The select list of every reader of events. */
export const EVENT_SELECTION = [...EVENT_COLUMNS, XID_AS_TEXT, RECORDED_AT_ISO] as const;

export type EventColumnsRow = Pick<EventRow, (typeof EVENT_COLUMNS)[number] | "xid"> & {
  recorded_at: string | Date;
};

/** A stored event; its cursor is encoded only when asked for (internal readers rarely need it). */
class LoggedEvent implements StoredEvent {
  readonly id: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly at: LogPosition;
  #cursor: string | undefined;

  constructor(
    private readonly logId: string,
    row: EventColumnsRow,
  ) {
    this.at = { xid: String(row.xid), position: Number(row.position) };
    this.id = row.event_id;
    this.type = row.type;
    this.streamId = row.stream_id;
    this.streamVersion = row.stream_version;
    this.position = this.at.position;
    this.recordedAt = typeof row.recorded_at === "string" ? row.recorded_at : row.recorded_at.toISOString();
    this.data = row.data as Record<string, unknown>;
    // Stored exactly as sent; the default is applied when reading, never written in.
    this.metadata = (row.metadata ?? {}) as Record<string, unknown>;
  }

  get cursor(): string {
    this.#cursor ??= encodeCursor(this.logId, this.at);
    return this.#cursor;
  }
}

export function toStoredEvent(logId: string, row: EventColumnsRow): StoredEvent {
  return new LoggedEvent(logId, row);
}

/** The JSON envelope of api.md (without the internal coordinates). */
export function toEnvelope(event: StoredEvent) {
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    position: event.position,
    cursor: event.cursor,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
}
