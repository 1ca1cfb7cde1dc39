import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companyRegistered } from "./support/fixtures.js";
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

describe("concurrent appenders", () => {
  it.skipIf(serverOnly("16 concurrent appenders need concurrent sessions"))(
    "16 writers on one stream: exactly one winner per version, nothing lost or duplicated",
    async () => {
      expect(
        (await server.request("/v1/events", { method: "POST", json: companyRegistered("hot") })).status,
      ).toBe(201);
      const perWriter = 8;
      const wins: { writer: number; version: number }[] = [];
      let conflicts = 0;
      const writer = async (w: number) => {
        let done = 0;
        let known = 1;
        while (done < perWriter) {
          const response = await server.request("/v1/events", {
            method: "POST",
            json: {
              type: "CompanyUpdated",
              data: { companyId: "hot", name: `w${w}-${done}` },
              expectedVersion: known,
            },
          });
          if (response.status === 201) {
            const body = (await response.json()) as any;
            wins.push({ writer: w, version: body.events[0].streamVersion });
            known = body.events[0].streamVersion;
            done += 1;
          } else {
            expect(response.status).toBe(409);
            const body = (await response.json()) as any;
            known = body.conflicts[0].actual;
            conflicts += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));

      const versions = wins.map((win) => win.version).sort((x, y) => x - y);
      expect(versions).toEqual(Array.from({ length: 16 * perWriter }, (_, i) => i + 2));
      const stream = (await (await server.request("/v1/streams/company-hot")).json()) as any;
      expect(stream.version).toBe(1 + 16 * perWriter);
      const names = stream.events.slice(1).map((e: any) => e.data.name);
      expect(new Set(names).size).toBe(names.length);
      expect(conflicts).toBeGreaterThan(0);
    },
    // About a thousand requests (every round, each writer still short of its wins retries): 5–20 s here,
    // more on a loaded machine; the bound is for a hang, not a speed target.
    120_000,
  );

  it.skipIf(serverOnly("racing identical appends need concurrent sessions"))(
    "the same event sent 8 times at once is stored once; every answer carries the same result",
    async () => {
      const event = { id: crypto.randomUUID(), ...companyRegistered("racer") };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => server.request("/v1/events", { method: "POST", json: event })),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(7);
      const bodies = await Promise.all(responses.map((r) => r.json()));
      expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    },
  );

  it.skipIf(serverOnly("holding a stream's lock needs a second session"))(
    "a stale expected version fails at once, without queueing behind an append that holds the stream",
    async () => {
      const post = (json: unknown) => server.request("/v1/events", { method: "POST", json });
      expect((await post(companyRegistered("busy"))).status).toBe(201);
      expect((await post({ type: "CompanyUpdated", data: { companyId: "busy", name: "B2" } })).status).toBe(
        201,
      );
      // Another session is in the middle of appending to the stream: it holds the stream's lock.
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      try {
        await holder.query("begin");
        await holder.query("select pg_advisory_xact_lock(hashtextextended('company-busy', 0))");
        const stale = post({
          type: "CompanyUpdated",
          data: { companyId: "busy", name: "B3" },
          expectedVersion: 1,
        });
        const outcome = await Promise.race([
          stale.then((response) => response.status),
          new Promise((resolve) => setTimeout(() => resolve("still waiting"), 3000)),
        ]);
        expect(outcome).toBe(409);
        expect(((await (await stale).json()) as any).conflicts[0]).toMatchObject({
          streamId: "company-busy",
          actual: 2,
          expected: 1,
          reason: "wrong_expected_version",
        });
        // A current expected version waits for the holder, then succeeds.
        const current = post({
          type: "CompanyUpdated",
          data: { companyId: "busy", name: "B3" },
          expectedVersion: 2,
        });
        await holder.query("commit");
        expect((await current).status).toBe(201);
      } finally {
        await holder.end();
      }
    },
  );
});
