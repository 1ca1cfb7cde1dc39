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

/** One build of a projection: its read-model table and checkpoint (see src/projector). */
export interface ProjectionBuildsTable {
  name: string;
  build: number;
  version: number;
  table_name: string;
  status: "building" | "live" | "retired" | "failed";
  cursor_xid: ColumnType<string, string | undefined, string>;
  cursor_position: ColumnType<string | number, number | undefined, number>;
  as_of: ColumnType<Date | string | null, string | null | undefined, string | null>;
  events_done: ColumnType<string | number, number | undefined, number>;
  events_total: ColumnType<string | number, number | undefined, number>;
  events_per_second: number | null;
  started_at: ColumnType<Date, string | undefined, string>;
  finished_at: ColumnType<Date | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, string | undefined, string>;
  error: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface ProjectionsTable {
  name: string;
  live_build: number;
  rebuild_requested: Generated<boolean>;
  last_rebuild: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface ViewChangesTable {
  position: ColumnType<string | number, never, never>;
  xid: ColumnType<string, never, never>;
  projection: string;
  version: number;
  cursor: string;
  as_of: ColumnType<Date | string, string, string>;
  changes: ColumnType<unknown, string, string>;
  recorded_at: ColumnType<Date, never, never>;
}

export interface Database {
  events: EventsTable;
  projection_builds: ProjectionBuildsTable;
  projections: ProjectionsTable;
  view_changes: ViewChangesTable;
  state_snapshots: StateSnapshotsTable;
  state_snapshot_parts: StateSnapshotPartsTable;
  log_meta: LogMetaTable;
  api_tokens: ApiTokensTable;
}

export type EventRow = Selectable<EventsTable>;

/** A folded state saved by the projector (see src/projector/snapshot-store.ts). */
export interface StateSnapshotsTable {
  id: ColumnType<string | number, never, never>;
  kind: string;
  model_version: number;
  cursor_xid: string;
  cursor_position: ColumnType<string | number, number, number>;
  events: ColumnType<string | number, number, number>;
  created_at: ColumnType<Date, never, never>;
  byte_size: number;
  checksum: string;
  state: Uint8Array;
  /** 0: the bytes are in `state`; n: in `state_snapshot_parts` 0 … n-1. */
  parts: ColumnType<number, number | undefined, number>;
  /** False while a streamed write is under way (or was cut short): never read. */
  complete: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface StateSnapshotPartsTable {
  snapshot_id: ColumnType<string | number, string | number, never>;
  part: number;
  bytes: Uint8Array;
}
