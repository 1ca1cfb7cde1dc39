import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWakeUp } from "../src/event-log/wake-up.js";
import { createFeed, type Feed } from "../src/feed/create-feed.js";
import { companyRegistered } from "./support/fixtures.js";
import { runCli, waitForOutput } from "./support/spawn-service.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function startServer(port = 0): Promise<{ server: TestServer; feed: Feed }> {
  const wakeUp = createWakeUp();
  const feed = await createFeed({
    db: database.handle.db,
    logId: database.logId,
    databaseUrl: database.url,
    eventWakeUp: wakeUp,
    pollMs: 200,
    timings: { retryMs: 100 },
    log: () => {},
  });
  const server = await startTestServer(database, { feed, onAppended: () => wakeUp.signal() }, port);
  return { server, feed };
}

describe("stackledger events tail", () => {
  it("follows the feed, filters by type, and resumes after the server restarts without a gap or a repeat", async () => {
    let { server, feed } = await startServer();
    const port = Number(new URL(server.url).port);
    await server.request("/v1/events", {
      method: "POST",
      json: { events: [companyRegistered("t1"), companyRegistered("t2")] },
    });
    const tail = runCli([
      "events",
      "tail",
      "--url",
      server.url,
      "--after",
      "start",
      "--types",
      "CompanyRegistered",
      "--json",
    ]);
    try {
      await waitForOutput(tail, /"companyId":"t2"/);
      await feed.stop();
      await server.close();
      ({ server, feed } = await startServer(port));
      await server.request("/v1/events", {
        method: "POST",
        json: { type: "CompanyRegistered", data: { companyId: "t3", name: "T3", kind: "company" } },
      });
      await server.request("/v1/events", {
        method: "POST",
        json: { type: "CompanyUpdated", data: { companyId: "t3", name: "Filtered out" } },
      });
      await waitForOutput(tail, /"companyId":"t3"/, 20_000);
      const lines = tail
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line));
      expect(lines.map((event) => event.data.companyId)).toEqual(["t1", "t2", "t3"]);
      expect(lines.every((event) => event.type === "CompanyRegistered")).toBe(true);
    } finally {
      tail.child.kill("SIGINT");
      await tail.exited;
      await feed.stop();
      await server.close();
    }
  }, 60_000);
});
