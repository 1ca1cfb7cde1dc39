import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { eventually } from "./support/eventually.js";
import { companyRegistered, demoEvents } from "./support/fixtures.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database);
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

async function readEverything(pageSize: number, query = "") {
  const events: any[] = [];
  let after = "start";
  for (;;) {
    const response = await server.request(`/v1/events?after=${after}&limit=${pageSize}${query}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as any;
    events.push(...page.events);
    expect(page.next).toEqual(expect.any(String));
    after = page.next;
    if (page.end) return { events, next: page.next };
  }
}

describe("the seed data set", () => {
  it("loads through the API and reads back unchanged, in order, at any page size", async () => {
    const seed = demoEvents();
    const response = await server.request("/v1/events", { method: "POST", json: { events: seed } });
    expect(response.status).toBe(201);
    await eventually(
      () => readEverything(1000),
      ({ events }) => events.length === seed.length,
    );
    for (const pageSize of [1, 7, 100]) {
      const { events } = await readEverything(pageSize);
      expect(events.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata }))).toEqual(
        seed,
      );
    }
  });

  it("pages resume from next, and an empty page at the end keeps its cursor", async () => {
    const { events, next } = await readEverything(1000);
    const again = (await (await server.request(`/v1/events?after=${next}`)).json()) as any;
    expect(again).toEqual({ events: [], next, end: true });
    expect(new Set(events.map((e) => e.cursor)).size).toBe(events.length);
  });

  it("filters by type and by company; next moves past what the filter skipped", async () => {
    const all = demoEvents();
    const { events: acquisitions, next } = await readEverything(2, "&types=AcquisitionReported");
    expect(acquisitions.map((e) => e.id)).toEqual(
      all.filter((e) => e.type === "AcquisitionReported").map((e) => e.id),
    );
    const { events: everything } = await readEverything(1000);
    expect(next).toBe(everything.at(-1).cursor);

    const { events: spacex } = await readEverything(5, "&companies=spacex");
    expect(spacex.length).toBeGreaterThan(1);
    for (const event of spacex) expect(JSON.stringify(event.data)).toContain('"spacex"');
  });

  it("a lifecycle event matches the parties of its deal", async () => {
    const created = await server.request("/v1/events", {
      method: "POST",
      json: { type: "DealStatusChanged", data: { dealId: "spacex-anysphere", status: "completed" } },
    });
    expect(created.status).toBe(201);
    const { events } = await eventually(
      () => readEverything(100, "&companies=anysphere&types=DealStatusChanged"),
      (page) => page.events.length > 0,
    );
    expect(events.map((e) => e.data)).toEqual([{ dealId: "spacex-anysphere", status: "completed" }]);
  });
});

describe("delivery order", () => {
  it("orders by xid as a number, not as text (9 before 10, 99 before 100)", async () => {
    const db = database.handle.db;
    const rows = ["100", "9", "99", "10"].map((xid, i) => ({
      xid,
      stream_id: `company-order-${i}`,
      stream_version: 1,
    }));
    for (const row of rows) {
      await sql`insert into events (xid, stream_id, stream_version, event_id, type, data)
                values (${row.xid}::xid8, ${row.stream_id}, 1, gen_random_uuid(), 'CompanyRegistered', '{}')`.execute(
        db,
      );
    }
    const read = await readAll(db, database.logId, { limit: 10_000 });
    const ours = read.events.filter((e) => e.streamId.startsWith("company-order-")).map((e) => e.at.xid);
    expect(ours).toEqual(["9", "10", "99", "100"]);
    // Resuming after xid 9 continues at 10, and pages of one walk the same order.
    const after9 = read.events.find((e) => e.at.xid === "9")!.at;
    const next = await readAll(db, database.logId, { after: after9, limit: 1 });
    expect(next.events[0]?.at.xid).toBe("10");
  });
});

describe("gap hazard: a lower position that commits later", () => {
  it.skipIf(serverOnly("gap hazard needs two concurrent sessions"))(
    "is read once each, B then A, and resuming from B's cursor still returns A",
    async () => {
      const a = new pg.Client({ connectionString: database.url });
      const b = new pg.Client({ connectionString: database.url });
      await Promise.all([a.connect(), b.connect()]);
      const appendSql = `select position, xid::text as xid from append_events($1::uuid[], $2::text[],
        '{CompanyRegistered}', '{register}', '{NULL}', $3::json[], '{NULL}', '{}', 'test', null)`;
      const batch = (id: string) => [
        [crypto.randomUUID()],
        [`company-${id}`],
        [JSON.stringify(companyRegistered(id).data)],
      ];
      try {
        const before = await readAll(database.handle.db, database.logId, { limit: 10_000 });
        const start = before.events.at(-1)?.at;
        await b.query("begin");
        await b.query("select pg_current_xact_id()"); // B takes its xid first
        await a.query("begin");
        const rowA = (await a.query(appendSql, batch("gap-a"))).rows[0];
        const rowB = (await b.query(appendSql, batch("gap-b"))).rows[0];
        expect(Number(rowA.position)).toBeLessThan(Number(rowB.position));
        await b.query("commit");

        // A is still open: the reader stops at the horizon and must not run ahead of A.
        const read = (after = start) => readAll(database.handle.db, database.logId, { after, limit: 100 });
        const whileOpen = await eventually(read, (page) => page.events.length > 0);
        expect(whileOpen.events.map((e) => e.data.companyId)).toEqual(["gap-b"]);
        const cursorB = whileOpen.events[0]!.at;
        // A naive position-order reader would now resume after B's position and never see A.

        await a.query("commit");
        const resumed = await eventually(
          () => read(cursorB),
          (page) => page.events.length > 0,
        );
        expect(resumed.events.map((e) => e.data.companyId)).toEqual(["gap-a"]);

        const full = await read();
        expect(full.events.map((e) => e.data.companyId)).toEqual(["gap-b", "gap-a"]);
        expect(encodeCursor(database.logId, full.events[0]!.at)).toBe(full.events[0]!.cursor);
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    },
  );
});
