import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/log/logger.js";
import { companyRegistered } from "./support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;
let server: TestServer;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger({ role: "api", pretty: false, write: (line) => lines.push(JSON.parse(line)) });
  server = await startTestServer(database, { logger });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

describe("request logs", () => {
  it("log one structured line per request: id, method, route, status, duration, actor", async () => {
    const appended = await server.request("/v1/events", {
      method: "POST",
      json: companyRegistered("logged"),
    });
    expect(appended.status).toBe(201);
    const missing = await server.request("/v1/streams/company-nobody", { token: null });
    expect(missing.status).toBe(404);

    const requests = lines.filter((line) => line.msg === "request");
    expect(requests).toEqual([
      expect.objectContaining({
        level: "info",
        role: "api",
        method: "POST",
        route: "/v1/events",
        status: 201,
        actor: expect.any(String),
        requestId: appended.headers.get("x-request-id"),
      }),
      expect.objectContaining({ method: "GET", route: "/v1/streams/:streamId", status: 404 }),
    ]);
    for (const line of requests) expect(line.durationMs).toEqual(expect.any(Number));
  });
});
