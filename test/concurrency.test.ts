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
});
