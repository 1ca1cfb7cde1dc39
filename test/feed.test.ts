import { connect } from "node:net";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECTIONS } from "../projections/index.js";
import { createWakeUp } from "../src/event-log/wake-up.js";
import { createFeed, type Feed } from "../src/feed/create-feed.js";
import { createProjector, type Projector } from "../src/projector/create-projector.js";
import { companyRegistered, demoEvents } from "./support/fixtures.js";
import { openSse, until } from "./support/sse-client.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;
let server: TestServer;
let feed: Feed;
let projector: Projector;
const eventWakeUp = createWakeUp();
const changeWakeUp = createWakeUp();

beforeAll(async () => {
  database = await createTestDatabase();
  feed = await createFeed({
    db: database.handle.db,
    logId: database.logId,
    databaseUrl: database.url,
    eventWakeUp,
    changeWakeUp,
    pollMs: 200,
    windowSize: 50,
    timings: { heartbeatMs: 300, bookmarkMs: 300, writeTimeoutMs: 500, retryMs: 100 },
    log: () => {},
  });
  server = await startTestServer(database, {
    feed,
    projections: PROJECTIONS,
    onAppended: () => eventWakeUp.signal(),
  });
  projector = createProjector({
    db: database.handle.db,
    logId: database.logId,
    projections: PROJECTIONS,
    databaseUrl: database.url,
    pollMs: 100,
    wakeUp: eventWakeUp,
    onChanges: () => changeWakeUp.signal(),
    log: () => {},
  });
  const response = await server.request("/v1/events", { method: "POST", json: { events: demoEvents() } });
  expect(response.status).toBe(201);
  // Let the first builds finish on the seed, so that later appends produce change records of their own.
  const { cursor } = (await response.json()) as any;
  for (const view of ["layers", "dependencies", "rankings"]) {
    expect((await server.request(`/v1/views/${view}?waitFor=${cursor}&timeout=10000`)).status).toBe(200);
  }
});
afterAll(async () => {
  await projector?.stop();
  await feed?.stop();
  await server?.close();
  await database?.drop();
});

const feedUrl = (query: string) => `${server.url}/v1/feed/events?${query}`;
async function append(body: unknown) {
  const response = await server.request("/v1/events", { method: "POST", json: body });
  expect(response.status).toBe(201);
  return (await response.json()) as any;
}

describe("GET /v1/feed/events", () => {
  it("replays history in log order past the in-memory window, then says caught-up, then follows live", async () => {
    const client = openSse(feedUrl("after=start"));
    try {
      await until(() => client.received.some((r) => r.type === "caught-up"), "caught-up");
      const seed = demoEvents();
      expect(client.items().map((r) => r.data.id)).toEqual(seed.map((e) => e.id));
      expect(client.items().map((r) => r.id)).toEqual(client.items().map((r) => r.data.cursor));
      await append(companyRegistered("live-one"));
      await until(() => client.items().length === seed.length + 1, "the live event");
      expect(client.items().at(-1)?.data.data.companyId).toBe("live-one");
    } finally {
      client.close();
    }
  });

  it("sends the SSE headers, a retry hint and heartbeats", async () => {
    const controller = new AbortController();
    const response = await fetch(feedUrl("after=now"), { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("content-encoding")).toBeNull();
    const reader = response.body!.getReader();
    let text = "";
    const deadline = Date.now() + 5000;
    while (!text.includes(": heartbeat") && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/^retry: \d+\n\n/);
    expect(text).toContain("event: caught-up");
    expect(text).toContain(": heartbeat");
  });

  it("after=now starts at the head; Last-Event-ID resumes mid-stream with no gap and no duplicate", async () => {
    const live = openSse(feedUrl("after=now"));
    try {
      await until(() => live.received.some((r) => r.type === "caught-up"), "caught-up");
      expect(live.items()).toEqual([]);
      for (let i = 0; i < 6; i += 1) await append(companyRegistered(`resume-${i}`));
      await until(() => live.items().length === 6, "six events");
      const third = live.items()[2]!;
      const resumed = openSse(feedUrl("after=start"), { lastEventId: third.id });
      try {
        await until(() => resumed.items().length === 3, "the three after the third");
        expect(resumed.items().map((r) => r.data.data.companyId)).toEqual([
          "resume-3",
          "resume-4",
          "resume-5",
        ]);
      } finally {
        resumed.close();
      }
    } finally {
      live.close();
    }
  });

  it("events appended while nobody subscribed reach the next subscriber (the idle window restarts)", async () => {
    await until(() => feed.subscribers.size === 0, "no subscriber left");
    const { cursor } = await append(companyRegistered("idle-a"));
    for (const id of ["idle-b", "idle-c"]) await append(companyRegistered(id));
    // The appends woke a tailer with no listener: its window is stale now.
    const client = openSse(feedUrl(`after=${encodeURIComponent(cursor)}`));
    try {
      // Not at caught-up: a transaction open elsewhere on a shared server holds the read horizon below
      // just-committed events, and caught-up marks the readable end of that moment. A stale window would
      // never deliver them before the next append.
      await until(() => client.items().length >= 2, "the two appended while idle");
      expect(client.items().map((r) => r.data.data.companyId)).toEqual(["idle-b", "idle-c"]);
      await until(() => client.received.some((r) => r.type === "caught-up"), "caught-up");
      await append(companyRegistered("idle-d"));
      await until(() => client.items().length === 3, "the live event");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.items().map((r) => r.data.data.companyId)).toEqual(["idle-b", "idle-c", "idle-d"]);
    } finally {
      client.close();
    }
    await until(() => feed.subscribers.size === 0, "the client gone");
    await append(companyRegistered("idle-e"));
    const fromNow = openSse(feedUrl("after=now"));
    try {
      await until(() => fromNow.received.some((r) => r.type === "caught-up"), "caught-up");
      await append(companyRegistered("idle-f"));
      await until(() => fromNow.items().length === 1, "the event after now");
      expect(fromNow.items()[0]!.data.data.companyId).toBe("idle-f");
    } finally {
      fromNow.close();
    }
  });

  it("filters by type, company (a lifecycle event matches its deal's parties) and stream, with bookmarks", async () => {
    const byCompany = openSse(feedUrl("after=start&companies=anysphere"));
    const byStream = openSse(feedUrl("after=start&streams=deal-spacex-anysphere"));
    const byType = openSse(feedUrl("after=start&types=DealStatusChanged"));
    try {
      await until(
        () => [byCompany, byStream, byType].every((c) => c.received.some((r) => r.type === "caught-up")),
        "caught-up",
      );
      await append({
        type: "DealStatusChanged",
        data: { dealId: "spacex-anysphere", status: "completed", occurredOn: "2026-06" },
      });
      await until(
        () => byType.items().length === 1 && byCompany.items().some((r) => r.type === "DealStatusChanged"),
        "the status change",
      );
      expect(byType.items().map((r) => r.data.data.dealId)).toEqual(["spacex-anysphere"]);
      for (const item of byCompany.items()) expect(JSON.stringify(item.data.data)).toContain("anysphere");
      expect(byStream.items().every((r) => r.data.streamId === "deal-spacex-anysphere")).toBe(true);
      // Events the filter skips move the client's cursor forward with a bookmark.
      await append(companyRegistered("unrelated-company"));
      await until(() => byType.received.some((r) => r.type === "bookmark"), "a bookmark", 5000);
      const bookmark = byType.received.filter((r) => r.type === "bookmark").at(-1)!;
      const head = (await (await server.request("/v1/events?limit=1000")).json()) as any;
      expect(bookmark.id).toBe(head.events.at(-1).cursor);
    } finally {
      byCompany.close();
      byStream.close();
      byType.close();
    }
  });

  it("rejects a malformed cursor (400), another log's cursor (410) and a change cursor (400)", async () => {
    expect((await fetch(feedUrl("after=garbage!"))).status).toBe(400);
    const foreign = Buffer.from("1.0123456789ab.12.34").toString("base64url");
    expect((await fetch(feedUrl(`after=${foreign}`))).status).toBe(410);
    const change = Buffer.from(`c1.${database.logId.slice(0, 12)}.12.34`).toString("base64url");
    const response = await fetch(feedUrl(`after=${change}`));
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).detail).toContain("change feed");
    expect((await fetch(feedUrl("types=Nope"))).status).toBe(400);
  });

  it("frees a disconnected client's state within a second", async () => {
    const client = openSse(feedUrl("after=now"));
    await until(() => client.received.some((r) => r.type === "caught-up"), "caught-up");
    expect(feed.subscribers.size).toBeGreaterThan(0);
    client.close();
    await until(() => feed.subscribers.size === 0, "cleanup", 1000);
  });

  it("drops a client that stops reading, without holding its frames in memory", async () => {
    const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /v1/feed/events?after=start HTTP/1.1\r\nHost: x\r\n\r\n");
    socket.pause(); // never read
    const before = process.memoryUsage().heapUsed;
    // About 65 MB of frames: more than the kernel's socket buffers hold on loopback (up to 36 MB here).
    const sources = Array.from({ length: 100 }, (_, k) => ({
      title: `source ${k}`,
      quote: "q".repeat(1000),
    }));
    for (let i = 0; i < 70 && feed.subscribers.size > 0; i += 1) {
      await append({
        events: Array.from({ length: 9 }, (_, j) => companyRegistered(`slow-${i}-${j}`, { sources })),
      });
    }
    await until(() => feed.subscribers.size === 0, "the slow client to be dropped", 10_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    socket.destroy();
  });
});

describe("GET /v1/feed/changes", () => {
  it("streams the view changes of a status change that alters ownership, in words and structure", async () => {
    const client = openSse(`${server.url}/v1/feed/changes?after=start&projections=layer-ownership`);
    try {
      await until(
        () =>
          client
            .items()
            .some((r) =>
              r.data.changes.some(
                (c: any) =>
                  c.description === "spacex gained application via anysphere (acquisition completed)",
              ),
            ),
        "the layer change",
      );
      const record = client
        .items()
        .find((r) =>
          r.data.changes.some(
            (c: any) => c.kind === "layer_gained" && c.companyId === "spacex" && c.layer === "application",
          ),
        )!;
      expect(record.data).toMatchObject({
        projection: "layer-ownership",
        version: 1,
        cursor: expect.any(String),
      });
      expect(record.data.changes).toContainEqual(
        expect.objectContaining({
          kind: "layer_gained",
          companyId: "spacex",
          layer: "application",
          after: expect.objectContaining({ via: "anysphere" }),
        }),
      );
      expect(client.items().every((r) => r.data.projection === "layer-ownership")).toBe(true);
    } finally {
      client.close();
    }
  });
});

describe("under concurrency (PostgreSQL)", () => {
  it.skipIf(serverOnly("held transactions and LISTEN need a PostgreSQL server"))(
    "a held transaction (lower position, commits last) is delivered, once, in log order",
    async () => {
      const client = openSse(feedUrl("after=now"));
      const held = new pg.Client({ connectionString: database.url });
      await held.connect();
      try {
        await until(() => client.received.some((r) => r.type === "caught-up"), "caught-up");
        await held.query("begin");
        await held.query(
          `select * from append_events($1::uuid[], '{company-held}', '{CompanyRegistered}', '{register}', '{NULL}', $2::json[], '{NULL}', '{}', 'test', null)`,
          [[crypto.randomUUID()], [JSON.stringify(companyRegistered("held").data)]],
        );
        for (let i = 0; i < 3; i += 1) await append(companyRegistered(`after-held-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 500));
        // Nothing past the open transaction is delivered while it is open.
        expect(client.items()).toEqual([]);
        await held.query("commit");
        await until(() => client.items().length === 4, "all four");
        expect(client.items().map((r) => r.data.data.companyId)).toEqual([
          "held",
          "after-held-0",
          "after-held-1",
          "after-held-2",
        ]);
      } finally {
        client.close();
        await held.end();
      }
    },
  );

  it.skipIf(serverOnly("LISTEN needs a PostgreSQL server"))(
    "a killed LISTEN connection loses nothing",
    async () => {
      const client = openSse(feedUrl("after=now"));
      try {
        await until(() => client.received.some((r) => r.type === "caught-up"), "caught-up");
        const killed = await sql<{ killed: boolean }>`
        select pg_terminate_backend(pid) as killed from pg_stat_activity
         where application_name = 'stackledger-feed-listener' and datname = current_database()`.execute(
          database.handle.db,
        );
        expect(killed.rows.length).toBeGreaterThan(0);
        for (let i = 0; i < 5; i += 1) await append(companyRegistered(`after-kill-${i}`));
        await until(() => client.items().length === 5, "five events after the kill");
        expect(client.items().map((r) => r.data.data.companyId)).toEqual(
          [0, 1, 2, 3, 4].map((i) => `after-kill-${i}`),
        );
      } finally {
        client.close();
      }
    },
  );
});
