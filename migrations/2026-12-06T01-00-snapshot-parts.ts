import type { Kysely } from "kysely";

// Frozen in time: this file must never import application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // A snapshot written as it is compressed, a part at a time, each part its own short transaction: one
  // insert of the whole state held a transaction id for seconds (every reader of the log waits behind the
  // oldest one running) and its bytes in the writer's memory. `parts` = 0: the bytes are in `state`, as
  // before; otherwise in `state_snapshot_parts` 0 … parts-1. A snapshot is used only once `complete`.
  await db.schema
    .alterTable("state_snapshots")
    .addColumn("parts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("state_snapshots")
    .addColumn("complete", "boolean", (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema
    .createTable("state_snapshot_parts")
    .addColumn("snapshot_id", "bigint", (c) =>
      c.notNull().references("state_snapshots.id").onDelete("cascade"),
    )
    .addColumn("part", "integer", (c) => c.notNull())
    .addColumn("bytes", "bytea", (c) => c.notNull())
    .addPrimaryKeyConstraint("state_snapshot_parts_pkey", ["snapshot_id", "part"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("state_snapshot_parts").ifExists().execute();
  await db.schema.alterTable("state_snapshots").dropColumn("complete").execute();
  await db.schema.alterTable("state_snapshots").dropColumn("parts").execute();
}
