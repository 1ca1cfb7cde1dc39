import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { dealRecords } from "../projections/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import type { Projector } from "../src/projector/create-projector.js";
import { requestRebuild } from "../src/projector/request-rebuild.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestProjector } from "./support/test-projector.js";

let database: TestDatabase;
let projector: Projector | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await projector?.stop();
  await database?.drop();
});

/** The index names of a table, each only if valid (a concurrent build that failed leaves an invalid one). */
async function indexesOf(table: string): Promise<string[]> {
  const result = await sql<{ indexname: string }>`
    select c.relname as indexname from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = ${table}::regclass and i.indisvalid order by c.relname`.execute(database.handle.db);
  return result.rows.map((row) => row.indexname);
}

describe("a build's read-model table", () => {
  it("is filled first and indexed after, before it goes live: every index is there, first build and rebuild", async () => {
    const generator = new SyntheticLog({ events: 200, companies: 10, deals: 40, seed: 7 });
    await appendEvents(database.handle.db, generator.nextBatch(200), {
      logId: database.logId,
      actor: "test",
    });
    projector = startTestProjector(database);
    const live = (build: Awaited<ReturnType<typeof readLiveBuild>>) => build?.status === "live";
    const first = await eventually(() => readLiveBuild(database.handle.db, dealRecords.name), live, 30_000);
    // The trigram index exists only where the server has pg_trgm (not in the embedded database).
    const trigram =
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from pg_available_extensions where name = 'pg_trgm'`.execute(
          database.handle.db,
        )
      ).rows[0]!.n > 0;
    const expected = [
      `${first!.table}_pkey`,
      `${first!.table}_sort_idx`,
      ...dealRecords
        .columns!.filter((column) => column.index !== undefined && (column.index !== "trigram" || trigram))
        .map((column) => `${first!.table}_${column.name}_idx`),
    ].sort();
    expect(await indexesOf(first!.table)).toEqual(expected);

    await requestRebuild(database.handle.db, [dealRecords.name]);
    const rebuilt = await eventually(
      () => readLiveBuild(database.handle.db, dealRecords.name),
      (build) => live(build) && build!.build !== first!.build,
      30_000,
    );
    expect(await indexesOf(rebuilt!.table)).toEqual(
      expected.map((name) => name.replace(first!.table, rebuilt!.table)),
    );
  }, 60_000);
});
