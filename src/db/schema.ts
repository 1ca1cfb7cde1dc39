import type { ColumnType, Generated, Selectable } from "kysely";

/** The event log: append-only, one row per event (see docs/architecture and migrations/). */
export interface EventsTable {
  position: ColumnType<string | number, never, never>;
  xid: ColumnType<string, never, never>;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  actor: string | null;
  request_id: string | null;
  recorded_at: ColumnType<Date, never, never>;
}

/** One row: the identity of this log, so that a cursor minted by another database is recognised (410). */
export interface LogMetaTable {
  singleton: ColumnType<boolean, never, never>;
  log_id: string;
  created_at: Generated<Date>;
}

/** Generated admin tokens, stored as hashes; the first process to start wins (see resolve-tokens). */
export interface ApiTokensTable {
  name: string;
  token_hash: string;
  scopes: string[];
  created_at: Generated<Date>;
}

export interface Database {
  events: EventsTable;
  log_meta: LogMetaTable;
  api_tokens: ApiTokensTable;
}

export type EventRow = Selectable<EventsTable>;
