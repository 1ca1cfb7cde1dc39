// For the lead: add as test/client-deals.test.ts once the `deals` branch (GET /v1/deals, /v1/deals/{id}) is
// merged with `client`. It exercises client.deals(filters) and client.deals.get(id) against a real server
// process and checks every answer against the response schemas in src/client/schemas.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, NotFoundError, ValidationError } from "../src/client/index.js";
import * as schemas from "../src/client/schemas.js";
import { demoEvents } from "./support/fixtures.js";
import {
  CLIENT_ADMIN_TOKEN,
  createServeStorage,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";

let storage: ServeStorage;
let server: ServeProcess;
let cursor: string;
const client = () => createClient({ url: server.url, token: CLIENT_ADMIN_TOKEN });

beforeAll(async () => {
  storage = await createServeStorage();
  server = await startServeProcess(storage);
  ({ cursor } = await client().append(demoEvents() as never));
}, 90_000);
afterAll(async () => {
  server?.process.child.kill("SIGTERM");
  await server?.process.exited;
  await storage?.drop();
});

describe("client.deals", () => {
  it("iterates every deal over pages, typed by the Deal schema, the same as one big page", async () => {
    const pages = [];
    for await (const page of client().deals({ limit: 5, waitFor: cursor, timeout: 10_000 }).pages()) {
      pages.push(schemas.DealsPage.parse(page));
    }
    expect(pages.length).toBeGreaterThan(1);
    const paged = pages.flatMap((page) => page.deals.map((deal) => deal.dealId));
    const whole = await client().deals({ limit: 10_000 }).toArray();
    expect(paged).toEqual(whole.map((deal) => deal.dealId));
    expect(new Set(paged).size).toBe(paged.length);
    for (const deal of whole) {
      expect(deal.status).not.toBeNull();
      expect(deal.retracted).toBe(false);
    }
  });

  it("passes the filters: company (any role), type, sort", async () => {
    const openai = await client().deals({ company: "openai" }).toArray();
    expect(openai.length).toBeGreaterThan(0);
    for (const deal of openai) expect(deal.parties.map((p) => p.companyId)).toContain("openai");
    const compute = await client()
      .deals({ type: ["ComputeDealReported"] })
      .toArray();
    expect(compute.length).toBeGreaterThan(0);
    expect(compute.every((deal) => deal.type === "ComputeDealReported")).toBe(true);
    const byValue = await client().deals({ sort: "-valueUsd" }).toArray();
    const values = byValue.map((deal) => deal.valueUsd).filter((v): v is number => v !== null);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    const bad = await client()
      .deals({ sort: "nonsense" as never })
      .toArray()
      .catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
  });

  it("gets one deal with its history, and a NotFoundError for an unknown one", async () => {
    const detail = schemas.DealResponse.parse(await client().deals.get("openai-microsoft-azure"));
    expect(detail.deal.dealId).toBe("openai-microsoft-azure");
    expect(detail.history.length).toBe(detail.deal.events);
    expect(detail.history.every((event) => event.streamId === "deal-openai-microsoft-azure")).toBe(true);
    const missing = await client()
      .deals.get("no-such-deal")
      .catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });
});
