import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { PROJECTIONS } from "../projections/index.js";
import {
  DOMAIN_STATE_CODEC,
  type DomainState,
  DEAL_RECORDS_STATE_CODEC as SHARED,
  type StateCodec,
} from "../src/domain/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { type LogPosition, START } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import type { Folded } from "../src/projector/fold-log.js";
import { loadRows } from "../src/projector/read-model-table.js";
import { toRecordedEvent } from "../src/projector/recorded-event.js";
import {
  encodeAndWriteSnapshot,
  encodeSnapshot,
  listSnapshots,
  loadSnapshot,
  writeSnapshot,
} from "../src/projector/snapshot-store.js";
import { createViewReader } from "../src/projector/view-reader.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
/** Events appended by this file (what its reads of the log wait for). */
let appended = 0;
const generator = new SyntheticLog({ events: 400, companies: 15, deals: 100, seed: 13 });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function appendSynthetic(count: number) {
  for (let done = 0; done < count; ) {
    const batch = generator.nextBatch(Math.min(20, count - done));
    await appendEvents(database.handle.db, batch, { logId: database.logId, actor: "test" });
    done += batch.length;
    appended += batch.length;
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

function foldScratch<S>(definition: ProjectionDefinition<S>, events: Awaited<ReturnType<typeof readLog>>) {
  let state = definition.init();
  for (const event of events) state = definition.apply(state, toRecordedEvent(event));
  return state;
}

const today = () => new Date().toISOString().slice(0, 10);
const parsedRows = (rows: Map<string, { text: string }>) =>
  Object.fromEntries([...rows].map(([key, row]) => [key, JSON.parse(row.text)]));
const expectedRows = <S>(definition: ProjectionDefinition<S>, state: S, asOf: string) =>
  Object.fromEntries(
    definition.rows(state, asOf).map((row) => [row.key, JSON.parse(row.json ?? JSON.stringify(row.body))]),
  );

async function caughtUp(at: LogPosition) {
  for (const definition of PROJECTIONS) {
    await eventually(
      () => readLiveBuild(database.handle.db, definition.name),
      (build) => build?.cursor.position === at.position && build.cursor.xid === at.xid,
      30_000,
    );
  }
}

/** The four projections in one process, its messages kept; a snapshot every `everyEvents` (0: none). */
const startProjector = (messages: string[], everyEvents: number) =>
  createProjector({
    db: database.handle.db,
    logId: database.logId,
    projections: PROJECTIONS,
    databaseUrl: database.url,
    pollMs: 50,
    log: (message) => messages.push(message),
    snapshots: { everyEvents, everyMinutes: 0 },
  });

/** A fold of the views' state over the log's first `count` events, as a snapshot takes it. */
async function domainFoldsOfLog(): Promise<(count: number) => Folded<DomainState>> {
  const events = await readLog();
  return (count) => ({
    state: foldScratch(PROJECTIONS[0], events.slice(0, count)),
    cursor: events[count - 1]!.at,
    events: count,
  });
}

describe("state snapshots", () => {
  it("the projector writes them at intervals; a restarted runner resumes from one and its rows stay those of a full fold", async () => {
    await appendSynthetic(200);
    const messages: string[] = [];
    const start = () => startProjector(messages, 50);
    let projector = start();
    try {
      await caughtUp((await readLog()).at(-1)!.at);
    } finally {
      await projector.stop();
    }
    // One fold serves the four projections (the deal records' state holds the views'), so one series of
    // snapshots: one per 50 events or more folded in a burst (the first burst folds the whole log).
    const first = await listSnapshots(database.handle.db, SHARED as StateCodec<unknown>);
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThanOrEqual(3);
    const at = first[0]!.events;
    expect(at).toBeGreaterThanOrEqual(50);
    expect(at).toBeLessThanOrEqual(200);
    const kinds = await sql<{
      kind: string;
    }>`select distinct kind from state_snapshots order by kind`.execute(database.handle.db);
    expect(kinds.rows.map((row) => row.kind)).toEqual(["deal-records"]);

    await appendSynthetic(100);
    messages.length = 0;
    projector = start();
    try {
      const events = await readLog();
      await caughtUp(events.at(-1)!.at);
      expect(messages).toContainEqual(
        expect.stringMatching(/^shared fold \(deal-records\): starting from the snapshot at \d+ events$/),
      );
      for (const definition of PROJECTIONS) {
        const build = await readLiveBuild(database.handle.db, definition.name);
        const rows = parsedRows(await loadRows(database.handle.db, build!.table));
        const def = definition as ProjectionDefinition<unknown>;
        expect(rows, definition.name).toEqual(
          expectedRows(def, foldScratch(def, events), build!.asOf ?? today()),
        );
        expect(Object.keys(rows).length, definition.name).toBeGreaterThan(0);
      }
      // The live steps made newer ones, 50 events or more apart (written after the step's commit: wait for it
      // before stopping the projector, which would otherwise race the write on a loaded machine).
      const snapshotEvents = (
        await eventually(
          () => listSnapshots(database.handle.db, SHARED as StateCodec<unknown>),
          (list) => (list[0]?.events ?? 0) > at,
          15_000,
        )
      ).map((s) => s.events);
      expect(snapshotEvents[0]).toBeGreaterThan(at);
    } finally {
      await projector.stop();
    }
  }, 90_000);

  it("a restart from a snapshot at or before a build's checkpoint recomputes only the deals touched since; a newer snapshot means the whole view", async () => {
    const messages: string[] = [];
    const start = () => startProjector(messages, 0);
    const dealRecords = PROJECTIONS[3] as ProjectionDefinition<unknown>;
    const checkAll = async (events: Awaited<ReturnType<typeof readLog>>) => {
      for (const definition of PROJECTIONS) {
        const build = await readLiveBuild(database.handle.db, definition.name);
        const def = definition as ProjectionDefinition<unknown>;
        expect(parsedRows(await loadRows(database.handle.db, build!.table)), definition.name).toEqual(
          expectedRows(def, foldScratch(def, events), build!.asOf ?? today()),
        );
      }
    };
    const resumed = () =>
      messages.filter((m) => m.startsWith("projection deal-records: resumed from the fold's start"));

    // The builds are at the head and the newest snapshot is not past them: the deals touched since are enough.
    await caughtUp((await readLog()).at(-1)!.at);
    await appendSynthetic(40);
    let projector = start();
    try {
      const events = await readLog();
      await caughtUp(events.at(-1)!.at);
      await checkAll(events);
      expect(resumed()).toHaveLength(1);
      const recomputed = Number(/\((\d+) rows recomputed/.exec(resumed()[0]!)?.[1]);
      const build = await readLiveBuild(database.handle.db, dealRecords.name);
      const total = (await loadRows(database.handle.db, build!.table)).size;
      expect(recomputed).toBeGreaterThan(0);
      expect(recomputed).toBeLessThan(total);
    } finally {
      await projector.stop();
    }

    // A snapshot newer than the builds' checkpoints (written by another process while this one was down):
    // what changed between the checkpoints and the snapshot is not in the journal, so the view is computed whole.
    messages.length = 0;
    await appendSynthetic(60);
    const upToSnapshot = await readLog();
    await writeSnapshot(
      database.handle.db,
      await encodeSnapshot(SHARED, {
        state: foldScratch(dealRecords, upToSnapshot) as never,
        cursor: upToSnapshot.at(-1)!.at,
        events: upToSnapshot.length,
      }),
    );
    await appendSynthetic(20);
    projector = start();
    try {
      const events = await readLog();
      await caughtUp(events.at(-1)!.at);
      expect(messages).toContainEqual(
        `shared fold (deal-records): starting from the snapshot at ${upToSnapshot.length} events`,
      );
      await checkAll(events);
      expect(resumed()).toEqual([]);
    } finally {
      await projector.stop();
    }
  }, 90_000);

  it("the API's asOf and knownAt folds start from the nearest snapshot at or before the point and equal a full fold", async () => {
    const events = await readLog();
    const reader = createViewReader({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS as never,
    });
    const snapshots = await listSnapshots(database.handle.db, SHARED as StateCodec<unknown>);
    const newest = snapshots[0]!;
    // Before the newest snapshot, after it, and exactly at it.
    for (const index of [newest.events - 30, newest.events - 1, events.length - 1]) {
      const knownAt = events[index]!.at;
      for (const definition of PROJECTIONS) {
        const def = definition as ProjectionDefinition<unknown>;
        const folded = await reader.folded(
          definition.name,
          index === events.length - 1 ? undefined : knownAt,
        );
        expect(folded.events).toBe(index + 1);
        expect(expectedRows(def, folded.state, "2026-01-01")).toEqual(
          expectedRows(def, foldScratch(def, events.slice(0, index + 1)), "2026-01-01"),
        );
      }
    }
  });

  it("a snapshot is written and read in parts (a large one in one piece is a string longer than V8 allows, and a long transaction) and decodes the same", async () => {
    const kind = `domain-sliced-${randomUUID().slice(0, 8)}`;
    const codec: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind };
    const events = await readLog();
    const state = foldScratch(PROJECTIONS[0], events);
    const encoded = await encodeSnapshot(codec, { state, cursor: events.at(-1)!.at, events: events.length });
    const written = await writeSnapshot(database.handle.db, encoded, { partBytes: 777 });
    expect(written.byteSize).toBe(encoded.bytes.length);
    const parts = await database.handle.db
      .selectFrom("state_snapshot_parts")
      .select(["part", sql<number>`octet_length(bytes)`.as("size")])
      .where("snapshot_id", "=", written.id)
      .orderBy("part")
      .execute();
    expect(parts.length).toBe(Math.ceil(encoded.bytes.length / 777));
    expect(parts.slice(0, -1).every((part) => part.size === 777)).toBe(true);
    const records = (s: DomainState) => JSON.parse(JSON.stringify([...codec.encode(s)]));
    const fromParts = await loadSnapshot(database.handle.db, codec, { log: () => {} });
    expect(fromParts?.events).toBe(events.length);
    expect(records(fromParts!.state)).toEqual(records(state));
    // A snapshot written before parts (its bytes in `state`) is read in slices of `chunkBytes`.
    await database.handle.db
      .deleteFrom("state_snapshot_parts")
      .where("snapshot_id", "=", written.id)
      .execute();
    await database.handle.db
      .updateTable("state_snapshots")
      .set({ parts: 0, state: encoded.bytes })
      .where("id", "=", written.id)
      .execute();
    const sliced = await loadSnapshot(database.handle.db, codec, { chunkBytes: 777, log: () => {} });
    expect(records(sliced!.state)).toEqual(records(state));
  });

  it("the writer stores parts as it compresses; a write that fails leaves nothing behind", async () => {
    const kind = `domain-stream-${randomUUID().slice(0, 8)}`;
    const codec: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind };
    const events = await readLog();
    const folded = {
      state: foldScratch(PROJECTIONS[0], events),
      cursor: events.at(-1)!.at,
      events: events.length,
    };
    const info = await encodeAndWriteSnapshot(database.handle.db, codec, folded);
    const row = await database.handle.db
      .selectFrom("state_snapshots")
      .select(["parts", "complete", "byte_size"])
      .where("id", "=", info.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ parts: 1, complete: true, byte_size: info.byteSize });
    const restored = await loadSnapshot(database.handle.db, codec, { log: () => {} });
    expect(JSON.stringify([...codec.encode(restored!.state)])).toBe(
      JSON.stringify([...codec.encode(folded.state)]),
    );

    // Records that fail half-way, after parts of 4 KiB were written: the write is given up, its row and parts go.
    const failing: StateCodec<DomainState> = {
      ...codec,
      beginSnapshot: (state) => ({
        touch: () => {},
        produced: false,
        records: (function* () {
          yield* DOMAIN_STATE_CODEC.encode(state);
          for (let n = 0; n < 200; n++) yield Array.from({ length: 50 }, () => randomUUID());
          throw new Error("boom");
        })(),
      }),
    };
    const parts = async () =>
      (await database.handle.db.selectFrom("state_snapshot_parts").select("part").execute()).length;
    const before = await parts();
    // Watched while it runs: parts are stored as the encoder produces them, not once it has finished.
    let written = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const row = await database.handle.db
          .selectFrom("state_snapshot_parts as p")
          .innerJoin("state_snapshots as s", "s.id", "p.snapshot_id")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("s.kind", "=", kind)
          .where("s.complete", "=", false)
          .executeTakeFirstOrThrow();
        written = Math.max(written, Number(row.n));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await expect(
      encodeAndWriteSnapshot(database.handle.db, failing, folded, undefined, { sliceMs: 0, partBytes: 4096 }),
    ).rejects.toThrow("boom");
    watching = false;
    await watcher;
    expect(written).toBeGreaterThan(0);
    expect(await parts()).toBe(before);
    const left = await database.handle.db
      .selectFrom("state_snapshots")
      .select("id")
      .where("kind", "=", kind)
      .execute();
    expect(left.map((r) => Number(r.id))).toEqual([info.id]);
  });

  it("keeps the newest three and a few spread along the log; a knowledge point far back starts from a spread one", async () => {
    const kind = `domain-spread-${randomUUID().slice(0, 8)}`;
    const codec: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind };
    const folded = await domainFoldsOfLog();
    for (let count = 10; count <= 150; count += 10)
      await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(count)));
    const kept = (await listSnapshots(database.handle.db, codec as StateCodec<unknown>)).map((s) => s.events);
    // Grid points every 32 events (the smallest power of two with at most six multiples up to 150), each with
    // the newest snapshot at or before it, kept through every prune since it was written.
    expect(kept).toEqual([150, 140, 130, 120, 90, 60, 30]);
    const events = await readLog();
    const log = (message: string) => messages.push(message);
    const messages: string[] = [];
    const past = await loadSnapshot(database.handle.db, codec, { until: events[74]!.at, log });
    expect(past?.events).toBe(60);
    expect(messages).toEqual([]);
  });

  it("a write cut short is never read, and goes when a later snapshot of its kind is written", async () => {
    const kind = `domain-cut-${randomUUID().slice(0, 8)}`;
    const codec: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind };
    const folded = await domainFoldsOfLog();
    const done = await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(100)));
    const cut = await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(150)), {
      partBytes: 500,
    });
    // As a process killed mid-write leaves it: not complete, some parts missing.
    await database.handle.db
      .updateTable("state_snapshots")
      .set({ complete: false })
      .where("id", "=", cut.id)
      .execute();
    await database.handle.db
      .deleteFrom("state_snapshot_parts")
      .where("snapshot_id", "=", cut.id)
      .where("part", ">", 0)
      .execute();
    expect((await listSnapshots(database.handle.db, codec as StateCodec<unknown>)).map((s) => s.id)).toEqual([
      done.id,
    ]);
    expect((await loadSnapshot(database.handle.db, codec, { log: () => {} }))?.events).toBe(100);
    const later = await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(160)));
    const ids = await database.handle.db
      .selectFrom("state_snapshots")
      .select("id")
      .where("kind", "=", kind)
      .execute();
    expect(ids.map((row) => Number(row.id)).sort()).toEqual([done.id, later.id].sort());
    expect(
      await database.handle.db
        .selectFrom("state_snapshot_parts")
        .select("part")
        .where("snapshot_id", "=", cut.id)
        .execute(),
    ).toEqual([]);
  });

  it("a corrupt snapshot (bytes that do not match the checksum, or that do not decode) is logged and skipped", async () => {
    const kind = `domain-corrupt-${randomUUID().slice(0, 8)}`;
    const codec: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind };
    const folded = await domainFoldsOfLog();
    const older = await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(100)));
    const newer = await writeSnapshot(database.handle.db, await encodeSnapshot(codec, folded(150)));
    const messages: string[] = [];
    const log = (message: string) => messages.push(message);
    expect((await loadSnapshot(database.handle.db, codec, { log }))?.events).toBe(150);

    // A flipped byte: the checksum no longer matches; the older snapshot is used instead.
    await sql`update state_snapshot_parts set bytes = overlay(bytes placing '\\x00'::bytea from 20 for 1) where snapshot_id = ${newer.id} and part = 0`.execute(
      database.handle.db,
    );
    const restored = await loadSnapshot(database.handle.db, codec, { log });
    expect(restored?.events).toBe(100);
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(`snapshot ${newer.id} of ${kind} .*checksum mismatch`)),
    ]);

    // Well-formed bytes with a matching checksum that are not a state: skipped too; nothing is left.
    const bytes = await promisify(gzip)(Buffer.from(JSON.stringify({ applied: 1, companies: "nope" })));
    const { createHash } = await import("node:crypto");
    await database.handle.db
      .updateTable("state_snapshots")
      .set({ parts: 0, state: bytes, checksum: createHash("sha256").update(bytes).digest("hex") })
      .where("id", "=", older.id)
      .execute();
    messages.length = 0;
    expect(await loadSnapshot(database.handle.db, codec, { log })).toBeUndefined();
    expect(messages).toEqual([
      expect.stringMatching(/checksum mismatch/),
      expect.stringMatching(new RegExp(`snapshot ${older.id} of ${kind} .*malformed snapshot`)),
    ]);
  });

  it("a snapshot of another model version is ignored, and writing one of a new version drops the old ones", async () => {
    const kind = `domain-version-${randomUUID().slice(0, 8)}`;
    const v1: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind, modelVersion: 1 };
    const v2: StateCodec<DomainState> = { ...DOMAIN_STATE_CODEC, kind, modelVersion: 2 };
    const events = await readLog();
    const state = foldScratch(PROJECTIONS[0], events.slice(0, 120));
    await writeSnapshot(
      database.handle.db,
      await encodeSnapshot(v1, { state, cursor: events[119]!.at, events: 120 }),
    );
    expect(await loadSnapshot(database.handle.db, v2, { log: () => {} })).toBeUndefined();
    expect((await loadSnapshot(database.handle.db, v1, { log: () => {} }))?.events).toBe(120);
    await writeSnapshot(
      database.handle.db,
      await encodeSnapshot(v2, { state, cursor: events[119]!.at, events: 120 }),
    );
    expect(await listSnapshots(database.handle.db, v1 as StateCodec<unknown>)).toEqual([]);
    expect((await loadSnapshot(database.handle.db, v2, { log: () => {} }))?.events).toBe(120);
  });
});
