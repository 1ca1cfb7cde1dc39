import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import type { LogPosition } from "../event-log/cursor.js";

/** The live build of a projection, as the `projections` pointer names it. */
export interface LiveBuild {
  readonly build: number;
  readonly version: number;
  readonly table: string;
  readonly cursor: LogPosition;
  readonly asOf: string | null;
  readonly status: "live" | "failed" | "building" | "retired";
  readonly rebuildRequested: boolean;
}

export async function readLiveBuild(db: Kysely<Database>, name: string): Promise<LiveBuild | undefined> {
  const row = await db
    .selectFrom("projections as p")
    .innerJoin("projection_builds as b", (join) =>
      join.onRef("b.name", "=", "p.name").onRef("b.build", "=", "p.live_build"),
    )
    .select([
      "b.build",
      "b.version",
      "b.table_name",
      "b.cursor_position",
      "b.status",
      "p.rebuild_requested",
      sql<string>`b.cursor_xid::text`.as("cursor_xid"),
      sql<string | null>`to_char(b.as_of, 'YYYY-MM-DD')`.as("as_of"),
    ])
    .where("p.name", "=", name)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    build: row.build,
    version: row.version,
    table: row.table_name,
    cursor: { xid: row.cursor_xid, position: Number(row.cursor_position) },
    asOf: row.as_of,
    status: row.status,
    rebuildRequested: row.rebuild_requested,
  };
}

export async function nextBuildNumber(db: Kysely<Database>, name: string): Promise<number> {
  const row = await db
    .selectFrom("projection_builds")
    .select((eb) => eb.fn.max("build").as("max"))
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(row?.max ?? 0) + 1;
}

/**
 * Moves a build's checkpoint, compare-and-set on the previous one: a runner that lost its lease without
 * noticing fails here, rolls back and stops, instead of writing over the new runner's work.
 */
export async function advanceCheckpoint(
  trx: Transaction<Database>,
  name: string,
  build: number,
  from: LogPosition,
  to: LogPosition,
  asOf: string,
  events: number,
): Promise<boolean> {
  const result = await trx
    .updateTable("projection_builds")
    .set({
      cursor_xid: to.xid,
      cursor_position: to.position,
      as_of: asOf,
      events_done: sql`events_done + ${events}`,
      updated_at: sql`now()`,
    } as never)
    .where("name", "=", name)
    .where("build", "=", build)
    .where(sql<boolean>`cursor_xid = ${from.xid}::xid8`)
    .where("cursor_position", "=", from.position)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markFailed(
  db: Kysely<Database>,
  name: string,
  build: number,
  error: { message: string; eventId?: string },
) {
  await db
    .updateTable("projection_builds")
    .set({ status: "failed", error: JSON.stringify(error), updated_at: sql`now()` } as never)
    .where("name", "=", name)
    .where("build", "=", build)
    .execute();
}

/**
 * Retires the builds of a projection left `building` by a runner that died or lost its database mid-build
 * (its process crashed, or the connection broke before the build could be marked): only the lease holder
 * calls this, so no build of the projection is really under way. Drops their tables; returns how many.
 */
export async function abandonStaleBuilds(db: Kysely<Database>, name: string): Promise<number> {
  const stale = await db
    .selectFrom("projection_builds")
    .select(["build", "table_name"])
    .where("name", "=", name)
    .where("status", "=", "building")
    .execute();
  for (const row of stale) {
    await sql`drop table if exists ${sql.table(row.table_name)}`.execute(db);
    await db
      .updateTable("projection_builds")
      .set({ status: "retired", updated_at: sql`now()` } as never)
      .where("name", "=", name)
      .where("build", "=", row.build)
      .where("status", "=", "building")
      .execute();
  }
  return stale.length;
}
