import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { PROJECTIONS } from "../projections/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { compareLogPositions, decodeCursor } from "../src/event-log/cursor.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import type { Projector } from "../src/projector/create-projector.js";
import { createViewReader } from "../src/projector/view-reader.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestProjector } from "./support/test-projector.js";
import { startTestServer } from "./support/test-server.js";

let database: TestDatabase;
let projector: Projector | undefined;
const generator = new SyntheticLog({ events: 300, companies: 12, deals: 60, seed: 41 });
const NAME = "layer-ownership";

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await projector?.stop();
  await database?.drop();
});

/** Appends events and waits until the projection's live build covers them (not only until it moves: the
 * projector's first build may go live on the log as it was before the append). */
async function appendAndWait(count: number) {
  const appended = await appendEvents(database.handle.db, generator.nextBatch(count), {
    logId: database.logId,
    actor: "test",
  });
  const at = decodeCursor(database.logId, appended.cursor);
  return eventually(
    () => readLiveBuild(database.handle.db, NAME),
    (build) => build?.status === "live" && compareLogPositions(build.cursor, at) >= 0,
    30_000,
  );
}

describe("current-view pages kept until their build moves", () => {
  it("answers a repeated page without reading the table, and reads it again once the checkpoint moves", async () => {
    projector = startTestProjector(database);
    const first = await appendAndWait(120);
    const cached = createViewReader({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS as never,
    });
    const uncached = createViewReader({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS as never,
      pageCacheBytes: 0,
    });
    const page = { limit: 5 };
    const original = (await cached.rows(NAME, page))!;
    expect(original.rows.length).toBe(5);

    // The table changes behind the build's back (its checkpoint stays): a page served from memory still shows
    // what the build held at that checkpoint; a reader without the cache sees the table.
    const key = JSON.parse(original.rows[0]!.json).companyId as string;
    await sql`update ${sql.table(first!.table)} set body = jsonb_set(body::jsonb, '{name}', '"tampered"')::json where key = ${key}`.execute(
      database.handle.db,
    );
    expect((await cached.rows(NAME, page))!.rows).toEqual(original.rows);
    expect(JSON.parse((await uncached.rows(NAME, page))!.rows[0]!.json).name).toBe("tampered");
    // Another page (other options) is its own entry.
    expect(JSON.parse((await cached.rows(NAME, { limit: 4 }))!.rows[0]!.json).name).toBe("tampered");

    // The checkpoint moves: the page is read again.
    const moved = await appendAndWait(30);
    const again = (await cached.rows(NAME, page))!;
    expect(again.build.cursor).toEqual(moved!.cursor);
    expect(again.rows).toEqual((await uncached.rows(NAME, page))!.rows);
    expect(again.rows).not.toEqual(original.rows);
  }, 60_000);

  it("the current deal list's pages too, over HTTP; none are kept when reads may come from a replica", async () => {
    const clock = () => new Date();
    const cached = await startTestServer(database, { projections: PROJECTIONS, clock });
    // readDb set (here the same database): a replica's reads may fall back to the primary, so nothing is kept.
    const replicated = await startTestServer(database, {
      projections: PROJECTIONS,
      clock,
      readDb: database.handle.db,
    });
    try {
      const first = async (server: typeof cached) => {
        const response = await server.request("/v1/deals?limit=3");
        expect(response.status).toBe(200);
        return ((await response.json()) as { deals: { dealId: string; name?: string }[] }).deals;
      };
      const layers = await readLiveBuild(database.handle.db, NAME);
      const build = await eventually(
        () => readLiveBuild(database.handle.db, "deal-records"),
        (b) => b?.status === "live" && b.cursor.position === layers!.cursor.position,
        30_000,
      );
      const original = await first(cached);
      expect(original).toHaveLength(3);
      expect(await first(replicated)).toEqual(original);
      await sql`update ${sql.table(build!.table)} set body = jsonb_set(body::jsonb, '{tampered}', 'true')::json where key = ${original[0]!.dealId}`.execute(
        database.handle.db,
      );
      expect(await first(cached)).toEqual(original);
      expect((await first(replicated))[0]).toMatchObject({ tampered: true });
    } finally {
      await cached.close();
      await replicated.close();
    }
  }, 60_000);
});
