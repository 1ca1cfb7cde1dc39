import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../src/events/index.js";
import { databaseTokenRegistry, ensureAdminToken, hashToken, parseTokenConfig } from "../src/http/tokens.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database, {
    readiness: async () => (notReady ? "projections failed" : undefined),
  });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});
let notReady = false;

describe("operations endpoints", () => {
  it("health answers, ready checks the database, migrations and the extra readiness hook", async () => {
    expect(await (await server.request("/health")).json()).toEqual({ status: "ok" });
    expect((await server.request("/ready")).status).toBe(200);
    notReady = true;
    const response = await server.request("/ready");
    expect(response.status).toBe(503);
    expect(((await response.json()) as any).detail).toBe("projections failed");
    notReady = false;
  });

  it("serves an OpenAPI 3.1 document generated from the schemas, and a docs page", async () => {
    const doc = (await (await server.request("/v1/openapi.json")).json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    for (const type of EVENT_TYPES)
      expect(doc.components.schemas[`${type}Event`].properties.type.const).toBe(type);
    // Generated, not hand-written: the schema knows the catalog's own constraints.
    const acquisition = doc.components.schemas.AcquisitionReportedEvent.properties.data;
    expect(acquisition.additionalProperties).toBe(false);
    expect(acquisition.required).toEqual(expect.arrayContaining(["dealId", "acquirer", "target", "sources"]));
    expect(doc.paths["/v1/events"].post.responses).toHaveProperty("422");
    const docs = await server.request("/docs");
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("/v1/openapi.json");
  });

  it("exposes Prometheus metrics: requests by route, appends, lag, subscribers and the horizon's age", async () => {
    const append = await server.request("/v1/events", {
      method: "POST",
      json: { type: "CompanyRegistered", data: { companyId: "metered", name: "Metered", kind: "company" } },
    });
    expect(append.status).toBe(201);
    const response = await server.request("/metrics");
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(
      /stackledger_http_requests_total\{method="POST",route="\/v1\/events",status="201"\} 1/,
    );
    expect(text).toMatch(/stackledger_events_appended_total 1\n/);
    expect(text).toMatch(
      /stackledger_http_request_duration_seconds_count\{method="POST",route="\/v1\/events"\} 1/,
    );
    expect(text).toContain("stackledger_read_horizon_age_seconds ");
    expect(text).toContain("stackledger_feed_subscribers 0");
  });

  it("echoes a request id, or makes one", async () => {
    const mine = await server.request("/health", { headers: { "x-request-id": "abc-123" } });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const made = await server.request("/health");
    expect(made.headers.get("x-request-id")).toMatch(/\S{8,}/);
    // Not a plausible id (spaces, or longer than 255): replaced, never echoed into logs and headers.
    for (const bad of ["not an id", "x".repeat(256)]) {
      const replaced = await server.request("/health", { headers: { "x-request-id": bad } });
      expect(replaced.headers.get("x-request-id")).not.toBe(bad);
      expect(replaced.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
    }
  });
});

describe("tokens", () => {
  it("parses STACKLEDGER_TOKENS and refuses a malformed entry", () => {
    const tokens = parseTokenConfig("s3cret=append+admin, bot=append");
    expect(tokens.get(hashToken("s3cret"))?.scopes).toEqual(["append", "admin"]);
    expect(tokens.get(hashToken("bot"))?.scopes).toEqual(["append"]);
    expect(() => parseTokenConfig("nope")).toThrow(/STACKLEDGER_TOKENS/);
    expect(() => parseTokenConfig("x=read")).toThrow(/STACKLEDGER_TOKENS/);
  });

  it("generates one admin token per database: the first process wins and every process accepts it", async () => {
    const registry = databaseTokenRegistry(database.handle.db);
    const [first, second] = await Promise.all([
      ensureAdminToken(database.handle.db),
      ensureAdminToken(database.handle.db),
    ]);
    const created = [first, second].filter((t) => t.created);
    expect(created).toHaveLength(1);
    const token = created[0]!.token!;
    expect(await registry.lookup(token)).toEqual({ name: "local-admin", scopes: ["append", "admin"] });
    expect(await registry.lookup(`${token}x`)).toBeUndefined();
    const stored = await database.handle.db.selectFrom("api_tokens").select("token_hash").execute();
    expect(stored.map((row) => row.token_hash)).toEqual([hashToken(token)]);
  });
});
