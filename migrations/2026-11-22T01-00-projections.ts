import { type Kysely, sql } from "kysely";

// Frozen in time: this file must never import application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per build of a projection: its read-model table, checkpoint and progress. A build is created
  // beside the live one by a rebuild and becomes live by the swap of `projections.live_build`.
  await db.schema
    .createTable("projection_builds")
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("build", "integer", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("table_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('building', 'live', 'retired', 'failed')`),
    )
    .addColumn("cursor_xid", sql`xid8`, (c) => c.notNull().defaultTo(sql`'0'::xid8`))
    .addColumn("cursor_position", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("as_of", "date")
    .addColumn("events_done", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("events_total", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("events_per_second", sql`double precision`)
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("error", "json")
    .addPrimaryKeyConstraint("projection_builds_pkey", ["name", "build"])
    .execute();

  // The live pointer per projection; `rebuild_requested` is how any process asks the active runner.
  await db.schema
    .createTable("projections")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("live_build", "integer", (c) => c.notNull())
    .addColumn("rebuild_requested", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("last_rebuild", "json")
    .execute();

  // What each projection's batches changed, read with the same horizon query as `events`.
  await db.schema
    .createTable("view_changes")
    .addColumn("position", "bigint", (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn("xid", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn("projection", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("cursor", "text", (c) => c.notNull())
    .addColumn("as_of", "date", (c) => c.notNull())
    .addColumn("changes", "json", (c) => c.notNull())
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("view_changes_xid_position_idx")
    .on("view_changes")
    .columns(["xid", "position"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("view_changes").ifExists().execute();
  await db.schema.dropTable("projections").ifExists().execute();
  await db.schema.dropTable("projection_builds").ifExists().execute();
}
