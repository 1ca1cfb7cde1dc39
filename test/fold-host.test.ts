import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { PROJECTIONS } from "../projections/index.js";
import type { DealRecordsState } from "../src/domain/deal-records-state.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { compareLogPositions, decodeCursor, START } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { COMPANY_INDEX } from "../src/http/routes/timeline.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { createFoldHost } from "../src/projector/fold-host.js";
import { loadRows } from "../src/projector/read-model-table.js";
import { toRecordedEvent } from "../src/projector/recorded-event.js";
import { planSharedFold } from "../src/projector/shared-fold.js";
import { listSnapshots } from "../src/projector/snapshot-store.js";
import { createSnapshotWriter } from "../src/projector/snapshot-writer.js";
import { createViewReader } from "../src/projector/view-reader.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
/** Events appended by this file (what its reads of the log wait for). */
let appended = 0;
const generator = new SyntheticLog({ events: 600, companies: 20, deals: 150, seed: 29 });
// A fixed clock: the rows of a full fold below are computed for the same date as the projector's.
const TODAY = "2026-06-30";
const clock = () => new Date(`${TODAY}T12:00:00Z`);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function appendSynthetic(count: number, batch: number) {
  for (let done = 0; done < count; ) {
    const events = generator.nextBatch(Math.min(batch, count - done));
    await appendEvents(database.handle.db, events, { logId: database.logId, actor: "test" });
    done += events.length;
    appended += events.length;
  }
}

/**
 * The whole log once it shows every appended event: an open transaction elsewhere on the cluster (another
 * test file's) keeps the newest commits below the gap-free read horizon for a moment.
 */
function readLog() {
  return eventually(
    async () => (await readAll(database.handle.db, database.logId, { after: START, limit: 100_000 })).events,
    (events) => events.length >= appended,
    30_000,
  );
}

function expectedRows(
  definition: ProjectionDefinition<unknown>,
  events: Awaited<ReturnType<typeof readLog>>,
) {
  let state = definition.init();
  for (const event of events) state = definition.apply(state, toRecordedEvent(event));
  return Object.fromEntries(
    definition
      .rows(state, TODAY)
      .map((row) => [
        row.key,
        { sortKey: row.sortKey, body: JSON.parse(row.json ?? JSON.stringify(row.body)) },
      ]),
  );
}

async function tableRows(name: string) {
  const build = await readLiveBuild(database.handle.db, name);
  const rows = await loadRows(database.handle.db, build!.table);
  return Object.fromEntries(
    [...rows].map(([key, row]) => [key, { sortKey: row.sortKey, body: JSON.parse(row.text) }]),
  );
}

async function caughtUp() {
  const last = (await readLog()).at(-1)!.at;
  for (const definition of PROJECTIONS) {
    await eventually(
      () => readLiveBuild(database.handle.db, definition.name),
      (build) => build !== undefined && compareLogPositions(build.cursor, last) >= 0,
      30_000,
    );
  }
}

describe("one fold for every projection of a process", () => {
  it("the four projections and the API of the process read one state; live steps keep every table equal to a full fold", async () => {
    await appendSynthetic(250, 50);
    const projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS,
      databaseUrl: database.url,
      clock,
      pollMs: 20,
      log: () => {},
      snapshots: { everyEvents: 0, everyMinutes: 0 },
    });
    try {
      const host = projector.host!;
      expect([...host.shared.select.keys()].sort()).toEqual(PROJECTIONS.map((p) => p.name).sort());
      await caughtUp();

      // Small bursts while the runners are live: each step is computed from the shared state at the cursor
      // its checkpoint records (the incremental rows included), so the tables stay those of a full fold.
      await appendSynthetic(250, 7);
      await caughtUp();
      const events = await readLog();
      expect(host.folded?.events).toBe(events.length);
      for (const definition of PROJECTIONS) {
        const def = definition as ProjectionDefinition<unknown>;
        expect(await tableRows(definition.name), definition.name).toEqual(expectedRows(def, events));
      }

      // The API of the same process answers from the host's state: no fold of its own.
      const reader = createViewReader({
        db: database.handle.db,
        logId: database.logId,
        projections: [...PROJECTIONS, COMPANY_INDEX] as ProjectionDefinition<unknown>[],
        host,
      });
      const shared = host.folded!.state as DealRecordsState;
      expect((await reader.folded("layer-ownership")).state).toBe(shared.domain);
      expect((await reader.folded("company-index")).state).toBe(shared.domain);
      expect((await reader.folded("deal-records")).state).toBe(shared);

      // Each projection's change records name places in the log in log order, the last one within it.
      for (const definition of PROJECTIONS) {
        const records = await database.handle.db
          .selectFrom("view_changes")
          .select("cursor")
          .where("projection", "=", definition.name)
          .orderBy("position")
          .execute();
        const places = records.map((record) => decodeCursor(database.logId, record.cursor));
        expect(places.length, definition.name).toBeGreaterThan(0);
        for (let i = 1; i < places.length; i++)
          expect(compareLogPositions(places[i - 1]!, places[i]!)).toBeLessThan(0);
        expect(compareLogPositions(places.at(-1)!, events.at(-1)!.at)).toBeLessThanOrEqual(0);
      }
    } finally {
      await projector.stop();
    }
  }, 180_000);

  it("a process without a shared fold (shareFold: false) builds the same tables", async () => {
    const events = await readLog();
    await database.handle.db.updateTable("projections").set({ rebuild_requested: true }).execute();
    const projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS,
      databaseUrl: database.url,
      clock,
      pollMs: 20,
      log: () => {},
      shareFold: false,
      snapshots: { everyEvents: 0, everyMinutes: 0 },
    });
    try {
      expect(projector.host).toBeUndefined();
      for (const definition of PROJECTIONS) {
        await eventually(
          () => readLiveBuild(database.handle.db, definition.name),
          (build) => build !== undefined && !build.rebuildRequested && build.build > 1,
          30_000,
        );
        const def = definition as ProjectionDefinition<unknown>;
        expect(await tableRows(definition.name), definition.name).toEqual(expectedRows(def, events));
      }
    } finally {
      await projector.stop();
    }
  }, 180_000);

  it("a catch-up that ends on a full page still writes its snapshot, and its members hear of every burst", async () => {
    // Bursts of exactly two full pages, and a log of a whole number of bursts: the last burst ends on a
    // full page, and the read after it finds nothing.
    const pageSize = 10;
    const missing =
      appended === 0 ? 4 * pageSize : (2 * pageSize - (appended % (2 * pageSize))) % (2 * pageSize);
    if (missing > 0) await appendSynthetic(missing, missing);
    const events = await readLog();
    expect(events.length % (2 * pageSize)).toBe(0);
    const shared = planSharedFold(PROJECTIONS as readonly ProjectionDefinition<unknown>[])!;
    const kind = `shared-${randomUUID().slice(0, 8)}`;
    const codec = { ...shared.codec, kind };
    const snapshots = createSnapshotWriter(database.handle.db, { everyEvents: 1, everyMinutes: 0 }, () => {});
    const host = createFoldHost({
      db: database.handle.db,
      logId: database.logId,
      shared: { ...shared, codec },
      snapshots,
      pageSize,
      burst: 2 * pageSize,
    });
    const told: number[] = [];
    host.join({ advanced: () => told.push(host.folded!.events) });
    await host.catchUp();
    await snapshots.flush();
    expect(host.folded?.events).toBe(events.length);
    expect(told.at(-1)).toBe(events.length);
    expect(told.length).toBeGreaterThanOrEqual(Math.floor(events.length / (2 * pageSize)));
    const written = await listSnapshots(database.handle.db, codec);
    expect(written.map((snapshot) => snapshot.events)).toEqual([events.length]);
  });
});
