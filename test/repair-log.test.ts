import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLogHorizon } from "../src/event-log/check-log-horizon.js";
import { decodeCursor, encodeCursor } from "../src/event-log/cursor.js";
import { RepairRefusedError, repairLog } from "../src/event-log/repair-log.js";
import { watchLogHorizon } from "../src/event-log/watch-log-horizon.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer } from "./support/test-server.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Stores rows as a logical restore from an older cluster would: explicit positions and far-away xids. */
async function restoreRows(rows: readonly { position: number; xid: bigint }[]) {
  const db = database.handle.db;
  await sql`truncate events, view_changes`.execute(db);
  for (const row of rows) {
    await sql`insert into events (position, xid, stream_id, stream_version, event_id, type, data)
              overriding system value
              values (${row.position}, ${row.xid.toString()}::xid8, ${`company-c${row.position}`}, 1,
                      gen_random_uuid(), 'CompanyRegistered', '{}')`.execute(db);
  }
}

async function deliveryOrder(): Promise<{ position: number; xid: string }[]> {
  const { rows } = await sql<{ position: string; xid: string }>`
    select position::text, xid::text from events order by events.xid, events.position`.execute(
    database.handle.db,
  );
  return rows.map((row) => ({ position: Number(row.position), xid: row.xid }));
}

describe("repairLog", () => {
  it("keeps the delivery order exactly, puts every id below the horizon and changes the log id", async () => {
    const nextXid = BigInt((await checkLogHorizon(database.handle.db)).nextXid);
    // Delivery orders with any amount of out-of-position-order commits (the worst case: every commit).
    const restored = fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(restored, fc.bigInt({ min: 1n, max: 1n << 40n }), async (positions, offset) => {
        // Old xids: increasing along the given order (some shared), all at or above the cluster's next id.
        let xid = nextXid + 10_000n + offset;
        const rows = positions.map((position, index) => {
          if (index % 3 !== 1) xid += 7n;
          return { position, xid };
        });
        await restoreRows(rows);
        const before = (await deliveryOrder()).map((row) => row.position);
        const logIdBefore = (await checkLogHorizon(database.handle.db)).logId;
        // A state snapshot names its place by the old ids: the repair drops it.
        await sql`insert into state_snapshots (kind, model_version, cursor_xid, cursor_position, events, byte_size, checksum, state)
                  values ('domain', 1, ${String(xid)}::xid8, ${rows.at(-1)!.position}, ${rows.length}, 0, '', '\\x')`.execute(
          database.handle.db,
        );
        const result = await repairLog(database.handle.db, { chunk: 7 });
        const { rows: snapshots } = await sql<{
          n: number;
        }>`select count(*)::int as n from state_snapshots`.execute(database.handle.db);
        expect(snapshots[0]?.n).toBe(0);
        const after = await deliveryOrder();
        expect(after.map((row) => row.position)).toEqual(before);
        const horizon = await checkLogHorizon(database.handle.db);
        expect(horizon.ahead).toBe(false);
        expect(horizon.logId).not.toBe(logIdBefore);
        expect(result.newLogId).toBe(horizon.logId);
        // As few ids as the order allows: one per run of increasing positions.
        const runs = 1 + before.filter((position, i) => i > 0 && position < (before[i - 1] ?? 0)).length;
        expect(new Set(after.map((row) => row.xid)).size).toBe(runs);
        expect(result.xidsAfter).toBe(runs);
        // Readable through the horizon query: every row.
        const { rows: visible } = await sql<{ n: string }>`
          select count(*)::text as n from events where xid < pg_snapshot_xmin(pg_current_snapshot())`.execute(
          database.handle.db,
        );
        expect(Number(visible[0]?.n)).toBe(rows.length);
      }),
      { numRuns: 15 },
    );
  });

  it("burns transaction ids first when the runs do not fit below a young cluster's next id", async () => {
    const db = database.handle.db;
    const next = BigInt((await checkLogHorizon(db)).nextXid);
    // Every commit out of position order: one run per event, more runs than a fresh cluster has ids.
    const count = 1000;
    await sql`truncate events, view_changes`.execute(db);
    await sql`insert into events (position, xid, stream_id, stream_version, event_id, type, data)
              overriding system value
              select ${count + 1} - i, (${(next + 1_000_000n).toString()}::bigint + i)::text::xid8, 's' || i, 1,
                     gen_random_uuid(), 'CompanyRegistered', '{}'
                from generate_series(1, ${count}) as i`.execute(db);
    const before = (await deliveryOrder()).map((row) => row.position);
    const nextBefore = BigInt((await checkLogHorizon(db)).nextXid);
    const result = await repairLog(db);
    const needed = 3n + BigInt(count) + 16n;
    expect(result.burned).toBe(nextBefore < needed ? Number(needed - nextBefore) : 0);
    expect(result.xidsAfter).toBe(count);
    expect((await deliveryOrder()).map((row) => row.position)).toEqual(before);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from events where xid < pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    expect(rows[0]?.n).toBe(count);
  });

  it("refuses when the log is not ahead of its cluster", async () => {
    await restoreRows([{ position: 1, xid: 5n }]);
    await expect(repairLog(database.handle.db)).rejects.toThrow(RepairRefusedError);
    await expect(repairLog(database.handle.db)).rejects.toThrow(/nothing to repair/);
  });

  it("--new-log-id on a log that is not ahead: same ids and order, a new log id, change cursors re-encoded", async () => {
    const db = database.handle.db;
    await restoreRows([
      { position: 1, xid: 5n },
      { position: 2, xid: 6n },
    ]);
    const before = await checkLogHorizon(db);
    await sql`insert into view_changes (projection, version, cursor, as_of, changes)
              values ('p', 1, ${encodeCursor(before.logId, { xid: "6", position: 2 })}, '2026-01-01', '[]')`.execute(
      db,
    );
    const order = await deliveryOrder();
    const result = await repairLog(db, { renewLogId: true });
    expect(result.events).toBe(0);
    expect(result.projections).toEqual([]);
    expect(await deliveryOrder()).toEqual(order);
    const after = await checkLogHorizon(db);
    expect(after.logId).toBe(result.newLogId);
    expect(after.logId).not.toBe(before.logId);
    const { rows } = await sql<{ cursor: string }>`select cursor from view_changes`.execute(db);
    expect(decodeCursor(after.logId, rows[0]?.cursor ?? "")).toEqual({ xid: "6", position: 2 });
  });

  it("the guard answers 503 with the cause and remedies while the log is ahead, and /ready says the same", async () => {
    const db = database.handle.db;
    const horizon = await checkLogHorizon(db);
    await restoreRows([{ position: 1, xid: BigInt(horizon.nextXid) + 1_000_000n }]);
    const watch = watchLogHorizon(db, { logId: horizon.logId });
    await watch.refresh();
    const server = await startTestServer(database, {
      logId: horizon.logId,
      logHorizon: watch,
      readiness: async () => ((await watch.refresh()).status === "ok" ? undefined : "log ahead"),
    });
    try {
      for (const path of ["/v1/events", "/v1/streams/company-c1", "/v1/views/layers", "/v1/feed/events"]) {
        const response = await server.request(path);
        expect(response.status, path).toBe(503);
        expect(response.headers.get("retry-after"), path).toBe("30");
        const body = (await response.json()) as Record<string, unknown>;
        expect(body.type).toMatch(/\/log-ahead-of-cluster$/);
        expect(body.highestStoredXid).toBe((BigInt(horizon.nextXid) + 1_000_000n).toString());
        expect(String(body.detail)).toContain("stackledger repair");
      }
      const append = await server.request("/v1/events", {
        method: "POST",
        json: { type: "CompanyRegistered", data: { companyId: "late", name: "Late", kind: "company" } },
      });
      expect(append.status).toBe(503);
      expect((await server.request("/ready")).status).toBe(503);
      expect((await server.request("/health")).status).toBe(200);

      // After a repair this process holds a stale log id: it must be restarted, and says so.
      await repairLog(db);
      expect((await watch.refresh()).status).toBe("replaced");
      const replaced = await server.request("/v1/events");
      expect(replaced.status).toBe(503);
      expect(((await replaced.json()) as { type: string }).type).toMatch(/\/log-replaced$/);
    } finally {
      await server.close();
    }
    // A process started after the repair serves the log.
    const fresh = watchLogHorizon(db, { logId: (await checkLogHorizon(db)).logId });
    expect((await fresh.refresh()).status).toBe("ok");
  });
});
