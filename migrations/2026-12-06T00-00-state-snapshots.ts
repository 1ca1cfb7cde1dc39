import { type Kysely, sql } from "kysely";

// Frozen in time: this file must never import application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Folded states saved by the projector, so that a start or an as-of request folds only the events after
  // one. `kind` names the fold (projections folding the same state share snapshots); `model_version` the
  // version of that fold; `state` is gzipped JSON and `checksum` the sha256 of those bytes.
  await db.schema
    .createTable("state_snapshots")
    .addColumn("id", "bigint", (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("model_version", "integer", (c) => c.notNull())
    .addColumn("cursor_xid", sql`xid8`, (c) => c.notNull())
    .addColumn("cursor_position", "bigint", (c) => c.notNull())
    .addColumn("events", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("byte_size", "integer", (c) => c.notNull())
    .addColumn("checksum", "text", (c) => c.notNull())
    .addColumn("state", "bytea", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("state_snapshots_kind_events_idx")
    .on("state_snapshots")
    .columns(["kind", "model_version", "events"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("state_snapshots").ifExists().execute();
}
