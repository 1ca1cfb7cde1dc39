import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquisitionReported,
  companyRegistered,
  dealStatusChanged,
  partnershipReported,
} from "./support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
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

async function countEvents(): Promise<number> {
  const rows = await database.handle.db
    .selectFrom("events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .execute();
  return Number(rows[0]?.n);
}

async function append(body: unknown) {
  const response = await server.request("/v1/events", { method: "POST", json: body });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (await response.json()) as any,
  };
}

describe("POST /v1/events", () => {
  it("appends a batch atomically and derives each event's stream", async () => {
    const result = await append({ events: [companyRegistered("alpha"), companyRegistered("beta")] });
    expect(result.status).toBe(201);
    expect(result.body.events.map((e: any) => [e.streamId, e.streamVersion])).toEqual([
      ["company-alpha", 1],
      ["company-beta", 1],
    ]);
    expect(result.body.cursor).toBe(result.body.events[1].cursor);
    expect(result.body.events[0].position).toBeLessThan(result.body.events[1].position);
  });

  it("accepts a single event without the wrapper", async () => {
    const result = await append(companyRegistered("gamma"));
    expect(result.status).toBe(201);
    expect(result.body.events).toHaveLength(1);
  });

  it("rejects a second registration of a company with 409 and writes nothing of the batch", async () => {
    const before = await countEvents();
    const result = await append({ events: [companyRegistered("delta"), companyRegistered("alpha")] });
    expect(result.status).toBe(409);
    expect(result.type).toContain("application/problem+json");
    expect(result.body.detail).toContain("company-alpha");
    expect(await countEvents()).toBe(before);
  });

  it("requires every referenced company to be registered (422 naming them), counting the same batch", async () => {
    const before = await countEvents();
    const unknown = await append({
      events: [acquisitionReported("a-b", "alpha", "nobody"), partnershipReported("p-1", ["ghost", "alpha"])],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.unknownCompanies).toEqual(["ghost", "nobody"]);
    expect(await countEvents()).toBe(before);

    const sameBatch = await append({
      events: [companyRegistered("epsilon"), acquisitionReported("alpha-epsilon", "alpha", "epsilon")],
    });
    expect(sameBatch.status).toBe(201);
  });

  it("opens a deal stream exactly once and takes lifecycle events only after it", async () => {
    const second = await append(acquisitionReported("alpha-epsilon", "alpha", "epsilon"));
    expect(second.status).toBe(409);

    const orphan = await append(dealStatusChanged("never-reported", "completed"));
    expect(orphan.status).toBe(422);
    expect(orphan.body.unknownDeals).toEqual(["never-reported"]);
    // With an expected version too: the unknown deal is the answer (422 before any version conflict).
    const orphanExpecting = await append({
      ...dealStatusChanged("never-reported", "completed"),
      expectedVersion: 3,
    });
    expect(orphanExpecting.status).toBe(422);
    expect(orphanExpecting.body.unknownDeals).toEqual(["never-reported"]);

    const lifecycleFirst = await append({
      events: [
        dealStatusChanged("beta-gamma", "completed"),
        acquisitionReported("beta-gamma", "beta", "gamma"),
      ],
    });
    expect(lifecycleFirst.status).toBe(422);

    const ok = await append(dealStatusChanged("alpha-epsilon", "completed"));
    expect(ok.status).toBe(201);
    expect(ok.body.events[0]).toMatchObject({ streamId: "deal-alpha-epsilon", streamVersion: 2 });
  });

  it("enforces expected versions, counting earlier events of the batch", async () => {
    const conflict = await append({ ...companyRegistered("zeta"), expectedVersion: 3 });
    expect(conflict.status).toBe(409);

    const good = await append({
      events: [
        { ...companyRegistered("zeta"), expectedVersion: "no_stream" },
        { type: "CompanyUpdated", data: { companyId: "zeta", name: "Zeta Inc" }, expectedVersion: 1 },
        {
          type: "CompanyUpdated",
          data: { companyId: "zeta", country: "FR" },
          expectedVersion: "stream_exists",
        },
      ],
    });
    expect(good.status).toBe(201);
    expect(good.body.events.map((e: any) => e.streamVersion)).toEqual([1, 2, 3]);

    const stale = await append({
      type: "CompanyUpdated",
      data: { companyId: "zeta", name: "Z" },
      expectedVersion: 2,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.conflicts[0]).toMatchObject({ streamId: "company-zeta", actual: 3, expected: 2 });

    const noStream = await append({
      type: "CompanyUpdated",
      data: { companyId: "zeta", name: "Z" },
      expectedVersion: "no_stream",
    });
    expect(noStream.status).toBe(409);
  });

  it("replays an identical batch with 200 and the original result, writing nothing", async () => {
    const events = [
      { id: randomUUID(), ...companyRegistered("eta"), metadata: { correlationId: "c-1" } },
      { id: randomUUID(), ...companyRegistered("theta") },
    ];
    const first = await append({ events });
    expect(first.status).toBe(201);
    const before = await countEvents();
    const again = await append({ events });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await countEvents()).toBe(before);
  });

  it("rejects an id reused with other content, or a replay mixed with new events, with 409", async () => {
    const id = randomUUID();
    expect((await append({ id, ...companyRegistered("iota") })).status).toBe(201);
    const other = await append({ id, ...companyRegistered("iota", { name: "Other" }) });
    expect(other.status).toBe(409);
    const mixed = await append({
      events: [{ id, ...companyRegistered("iota") }, companyRegistered("kappa")],
    });
    expect(mixed.status).toBe(409);
    const metadataDiffers = await append({ id, ...companyRegistered("iota"), metadata: { x: 1 } });
    expect(metadataDiffers.status).toBe(409);
  });

  it("treats the same id twice in one batch as a 400", async () => {
    const id = randomUUID();
    const result = await append({
      events: [
        { id, ...companyRegistered("lambda") },
        { id, ...companyRegistered("mu") },
      ],
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([
      { path: "events.1.id", message: expect.stringContaining("events.0") },
    ]);
  });

  it("stores data and metadata exactly as sent, and actor and request id beside them", async () => {
    const data = { companyId: "nu", name: "Nu", kind: "company", layers: [{ layer: "model" }] };
    const response = await server.request("/v1/events", {
      method: "POST",
      json: { type: "CompanyRegistered", data, metadata: { nested: { a: [1, 2] } } },
      headers: { "x-request-id": "req-12345" },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-request-id")).toBe("req-12345");
    const row = await database.handle.db
      .selectFrom("events")
      .select(["data", "metadata", "actor", "request_id"])
      .where("stream_id", "=", "company-nu")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      data,
      metadata: { nested: { a: [1, 2] } },
      actor: expect.stringMatching(/^token-/),
      request_id: "req-12345",
    });
  });

  it("validates amendments against the deal's opening type and corrections against their target", async () => {
    const opened = await append({
      events: [
        companyRegistered("xi"),
        acquisitionReported("alpha-xi", "alpha", "xi", { price: { usd: 1e9 } }),
      ],
    });
    expect(opened.status).toBe(201);
    const openingId = opened.body.events[1].id;

    const badAmend = await append({
      type: "DealAmended",
      data: { dealId: "alpha-xi", changes: { acquirer: "beta" } },
    });
    expect(badAmend.status).toBe(400);
    expect(badAmend.body.errors[0].path).toMatch(/^data\.changes/);

    const goodAmend = await append({
      type: "DealAmended",
      data: { dealId: "alpha-xi", changes: { price: { usd: 2e9 } } },
    });
    expect(goodAmend.status).toBe(201);

    const badCorrection = await append({
      type: "DealCorrected",
      data: { dealId: "alpha-xi", correctsEventId: openingId, changes: { percentAcquired: 140 } },
    });
    expect(badCorrection.status).toBe(400);
    expect(badCorrection.body.errors[0].path).toMatch(/^data\.changes/);

    const unknownTarget = await append({
      type: "DealCorrected",
      data: { dealId: "alpha-xi", correctsEventId: randomUUID(), changes: { percentAcquired: 40 } },
    });
    expect(unknownTarget.status).toBe(422);

    const goodCorrection = await append({
      type: "DealCorrected",
      data: { dealId: "alpha-xi", correctsEventId: openingId, changes: { percentAcquired: 40 } },
    });
    expect(goodCorrection.status).toBe(201);
  });
});

describe("POST /v1/streams/{streamId}/events", () => {
  it("appends with a batch-wide expected version", async () => {
    const ok = await server.request("/v1/streams/company-omicron/events", {
      method: "POST",
      json: { events: [companyRegistered("omicron")], expectedVersion: "no_stream" },
    });
    expect(ok.status).toBe(201);
    const stale = await server.request("/v1/streams/company-omicron/events", {
      method: "POST",
      json: {
        events: [{ type: "CompanyUpdated", data: { companyId: "omicron", name: "O" } }],
        expectedVersion: 0,
      },
    });
    expect(stale.status).toBe(409);
  });

  it("rejects per-event expected versions and events of another stream with 400", async () => {
    const response = await server.request("/v1/streams/company-pi/events", {
      method: "POST",
      json: { events: [{ ...companyRegistered("pi"), expectedVersion: 0 }, companyRegistered("rho")] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.errors.map((e: any) => e.path).sort()).toEqual(["events.0.expectedVersion", "events.1.data"]);
  });
});

describe("GET /v1/streams/{streamId}", () => {
  it("returns the stream's events in version order, and 404 for an unknown stream", async () => {
    const response = await server.request("/v1/streams/company-zeta");
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.version).toBe(3);
    expect(body.events.map((e: any) => e.type)).toEqual([
      "CompanyRegistered",
      "CompanyUpdated",
      "CompanyUpdated",
    ]);
    expect(body.events[0]).toEqual({
      id: expect.any(String),
      type: "CompanyRegistered",
      streamId: "company-zeta",
      streamVersion: 1,
      position: expect.any(Number),
      cursor: expect.any(String),
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { companyId: "zeta", name: "ZETA", kind: "company" },
      metadata: {},
    });
    const missing = await server.request("/v1/streams/company-nobody");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
  });
});
