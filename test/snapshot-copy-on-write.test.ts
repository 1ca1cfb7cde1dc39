import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { dealRecords, PROJECTIONS } from "../projections/index.js";
import type { DealRecordsState } from "../src/domain/deal-records-state.js";
import { DEAL_RECORDS_STATE_CODEC, type OpenSnapshot, type StateCodec } from "../src/domain/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import type { LogPosition } from "../src/event-log/cursor.js";
import { START } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { createFoldHost, type FoldHost } from "../src/projector/fold-host.js";
import { toRecordedEvent } from "../src/projector/recorded-event.js";
import { planSharedFold } from "../src/projector/shared-fold.js";
import { listSnapshots, loadSnapshot } from "../src/projector/snapshot-store.js";
import { createSnapshotWriter } from "../src/projector/snapshot-writer.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
let appended = 0;
const generator = new SyntheticLog({ events: 800, companies: 20, deals: 200, seed: 31 });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function append(count: number) {
  for (let done = 0; done < count; ) {
    const events = generator.nextBatch(Math.min(50, count - done));
    await appendEvents(database.handle.db, events, { logId: database.logId, actor: "test" });
    done += events.length;
    appended += events.length;
  }
}

const readLog = () =>
  eventually(
    async () => (await readAll(database.handle.db, database.logId, { after: START, limit: 100_000 })).events,
    (events) => events.length >= appended,
    30_000,
  );

/** Blocks the thread for `ms`. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The shared codec under a kind of its own, its open snapshots kept; while `slow.on`, each record takes
 * longer to produce than a slice (one record a turn of the event loop, a large state scaled down).
 */
function slowCodec() {
  const shared = planSharedFold(PROJECTIONS as readonly ProjectionDefinition<unknown>[])!;
  const opened: OpenSnapshot[] = [];
  const slow = { on: true };
  const codec: StateCodec<unknown> = {
    ...shared.codec,
    kind: `cow-${randomUUID().slice(0, 8)}`,
    beginSnapshot(state) {
      const open = shared.codec.beginSnapshot!(state);
      opened.push(open);
      return {
        touch: (event) => open.touch(event),
        get produced() {
          return open.produced;
        },
        records: (function* () {
          for (const record of open.records) {
            if (slow.on) block(25);
            yield record;
          }
        })(),
      };
    },
  };
  return { shared: { ...shared, codec }, codec, opened, slow };
}

/** Catches the host up until it has folded every appended event (the read horizon may lag a moment). */
const caughtUp = (host: FoldHost) =>
  eventually(
    async () => {
      await host.catchUp();
      return host.folded!.events;
    },
    (events) => events >= appended,
    30_000,
  );

const recordsOf = (codec: StateCodec<unknown>, state: unknown) => JSON.stringify([...codec.encode(state)]);

describe("snapshots that do not hold the fold", () => {
  it("the host's live catch-up goes on while a snapshot's records are still produced, and the snapshot is the state at its point", async () => {
    await append(300);
    const { shared, codec, opened, slow } = slowCodec();
    const snapshots = createSnapshotWriter(database.handle.db, { everyEvents: 1, everyMinutes: 0 }, () => {});
    const host = createFoldHost({ db: database.handle.db, logId: database.logId, shared, snapshots });
    await caughtUp(host);
    // The catch-up ended by offering a snapshot, and returned before its records were produced.
    expect(opened).toHaveLength(1);
    expect(opened[0]!.produced).toBe(false);
    // (A loaded cluster's read horizon may have stopped the first catch-up short: the snapshot is where it began.)
    const before = host.folded!.events;

    await append(200);
    await caughtUp(host);
    // Live: the fold reached the head while the snapshot was still taking the state it began from.
    expect(host.folded!.events).toBe(appended);
    expect(opened[0]!.produced).toBe(false);

    slow.on = false;
    await snapshots.flush();
    expect(opened[0]!.produced).toBe(true);
    const written = await listSnapshots(database.handle.db, codec);
    expect(written).toHaveLength(1);
    const at = written[0]!.events;
    expect(at).toBeLessThanOrEqual(before);
    const loaded = await loadSnapshot(database.handle.db, codec);
    let state = shared.fold.init();
    for (const event of (await readLog()).slice(0, at))
      state = shared.fold.apply(state, toRecordedEvent(event));
    expect(recordsOf(codec, loaded!.state)).toBe(recordsOf(codec, state));
    // And the host's state is the whole log's, undisturbed by the snapshot.
    let whole = shared.fold.init();
    for (const event of await readLog()) whole = shared.fold.apply(whole, toRecordedEvent(event));
    expect(recordsOf(codec, host.folded!.state)).toBe(recordsOf(codec, whole));
  }, 60_000);

  it("the host offers its snapshot once its members have committed up to where it became due", async () => {
    await append(100);
    const { shared, codec, slow } = slowCodec();
    slow.on = false;
    const snapshots = createSnapshotWriter(database.handle.db, { everyEvents: 1, everyMinutes: 0 }, () => {});
    const host = createFoldHost({ db: database.handle.db, logId: database.logId, shared, snapshots });
    let committed: LogPosition | undefined;
    host.join({ advanced: () => {}, committed: () => committed });
    // Not a member that commits: it never holds the snapshot back.
    host.join({ advanced: () => {} });
    await caughtUp(host);
    await snapshots.flush();
    expect(await listSnapshots(database.handle.db, codec)).toEqual([]);
    // Committed, but short of the fold: still waiting.
    committed = START;
    await host.catchUp();
    await snapshots.flush();
    expect(await listSnapshots(database.handle.db, codec)).toEqual([]);
    // The next catch-up after the member's commit offers it, though it folds nothing.
    committed = host.folded!.cursor;
    await host.catchUp();
    await snapshots.flush();
    const written = await listSnapshots(database.handle.db, codec);
    expect(written.map((snapshot) => snapshot.events)).toEqual([host.folded!.events]);
  }, 60_000);

  it("a projector's first builds from the host are live before the host begins its snapshot", async () => {
    await append(100);
    const messages: string[] = [];
    const codec: StateCodec<DealRecordsState> = {
      ...DEAL_RECORDS_STATE_CODEC,
      beginSnapshot(state) {
        messages.push("snapshot begun");
        return DEAL_RECORDS_STATE_CODEC.beginSnapshot!(state);
      },
    };
    const projections = PROJECTIONS.map((p) => (p === dealRecords ? { ...dealRecords, snapshot: codec } : p));
    const projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: projections as ProjectionDefinition<unknown>[],
      // No database URL: the runners' leases are in-process, so every runner starts at once (with
      // PostgreSQL leases a runner still waiting for its lease is not a member yet).
      pollMs: 20,
      log: (message) => messages.push(message),
      snapshots: { everyEvents: 1, everyMinutes: 0 },
    });
    try {
      const written = await eventually(
        async () => messages.filter((m) => m.startsWith("snapshot of deal-records at")),
        (found) => found.length > 0,
        30_000,
      );
      expect(written).toHaveLength(1);
      const live = messages.flatMap((m, i) => (/^projection .*: v\d+ b\d+ live/.test(m) ? [i] : []));
      // Every build of the shared fold's projections wrote its table before the snapshot began.
      expect(live, messages.join("\n")).toHaveLength(PROJECTIONS.length);
      expect(messages.indexOf("snapshot begun")).toBeGreaterThan(Math.max(...live));
    } finally {
      await projector.stop();
    }
  }, 60_000);
});
