import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECTIONS } from "../projections/index.js";
import { createProjector, type Projector } from "../src/projector/create-projector.js";
import { eventually } from "./support/eventually.js";
import { demoEvents } from "./support/fixtures.js";
import { parseCsv } from "./support/parse-csv.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

// "Today" is mutable: the last test moves it past midnight to see a future-dated event take effect.
let today = "2026-11-21";
const clock = () => new Date(`${today}T12:00:00Z`);

let database: TestDatabase;
let server: TestServer;
let projector: Projector;
let seedCursor: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database, { projections: PROJECTIONS, clock });
  projector = createProjector({
    db: database.handle.db,
    logId: database.logId,
    projections: PROJECTIONS,
    databaseUrl: database.url,
    clock,
    pollMs: 50,
    log: () => {},
  });
  const response = await server.request("/v1/events", { method: "POST", json: { events: demoEvents() } });
  expect(response.status).toBe(201);
  seedCursor = ((await response.json()) as any).cursor;
});
afterAll(async () => {
  await projector?.stop();
  await server?.close();
  await database?.drop();
});

async function get(path: string) {
  const response = await server.request(path);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as any;
}

async function append(events: unknown[]): Promise<string> {
  const response = await server.request("/v1/events", { method: "POST", json: { events } });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as any).cursor;
}

const ids = (body: any) => body.deals.map((d: any) => d.dealId);

/** The same list from the read model (current) and from the fold (the same K given as knownAt). */
async function bothWays(query: string, cursor = seedCursor) {
  const current = await get(`/v1/deals?${query}${query ? "&" : ""}waitFor=${cursor}&timeout=10000`);
  const folded = await get(`/v1/deals?${query}${query ? "&" : ""}knownAt=${current.cursor}`);
  expect(folded).toEqual(current);
  return current;
}

describe("the deal list over the seed data", () => {
  it("lists every deal with a status today, newest first, the same from the read model and the fold", async () => {
    const body = await bothWays("");
    const seedDeals = demoEvents().filter((e) => e.type !== "CompanyRegistered");
    expect(body.deals).toHaveLength(seedDeals.length);
    const keys = body.deals.map((d: any) => [d.openedOn, d.dealId]);
    for (let i = 1; i < keys.length; i++) {
      const [a, b] = [keys[i - 1], keys[i]];
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    }
    const anysphere = body.deals.find((d: any) => d.dealId === "spacex-anysphere");
    expect(anysphere).toMatchObject({
      type: "AcquisitionReported",
      status: "announced",
      statusSince: "2026-06-30",
      openedOn: "2026-06-30",
      retracted: false,
      layer: "capital",
      parties: [
        { companyId: "spacex", name: expect.any(String), role: "acquirer" },
        { companyId: "anysphere", name: expect.any(String), role: "target" },
      ],
      events: 1,
    });
    expect(anysphere.sources.length).toBeGreaterThan(0);
  });

  it("answers the analyst's questions: every deal of SpaceX, what is only announced, big compute deals", async () => {
    const spacex = await bothWays("company=spacex&sort=dealId");
    expect(ids(spacex)).toEqual(["anthropic-spacex-colossus", "spacex-anysphere", "spacex-xai"]);
    const announced = await bothWays("status=announced");
    expect(announced.deals.length).toBeGreaterThan(0);
    expect(announced.deals.every((d: any) => d.status === "announced")).toBe(true);
    const compute = await bothWays("type=ComputeDealReported&minValueUsd=1000000000&from=2025&to=2026-H1");
    expect(ids(compute)).toContain("anthropic-spacex-colossus");
    const colossus = compute.deals.find((d: any) => d.dealId === "anthropic-spacex-colossus");
    expect(colossus.valueUsd).toBe(15_000_000_000); // $1.25B a month, valued at 12 months
    for (const d of compute.deals) expect(d.valueUsd).toBeGreaterThanOrEqual(1e9);
    const byValue = await bothWays("sort=-valueUsd&layer=compute,capital");
    const values = byValue.deals.map((d: any) => d.valueUsd);
    const firstNull = values.indexOf(null);
    expect(values.slice(firstNull === -1 ? values.length : firstNull).every((v: any) => v === null)).toBe(
      true,
    );
    const search = await bothWays("q=JALAPE");
    expect(ids(search).sort()).toEqual(["openai-broadcom-jalapeno", "openai-jalapeno"]);
  });

  it("paginates with next in every sort, the same rows as one page", async () => {
    for (const sort of ["-openedOn", "openedOn", "-valueUsd", "valueUsd", "dealId"]) {
      const whole = await get(`/v1/deals?sort=${sort}`);
      const seen: string[] = [];
      let after = "";
      for (;;) {
        const page = await get(`/v1/deals?sort=${sort}&limit=7${after}`);
        seen.push(...ids(page));
        if (!page.next) break;
        after = `&after=${page.next}`;
      }
      expect(seen).toEqual(ids(whole));
    }
    expect((await server.request("/v1/deals?status=gone")).status).toBe(400);
    const token = (await get("/v1/deals?limit=1")).next;
    expect((await server.request(`/v1/deals?sort=dealId&after=${token}`)).status).toBe(400);
  });

  it("shows the Anysphere acquisition at 2026-06-01 (no status yet) and 2026-06-30 (announced)", async () => {
    const early = await get(`/v1/deals/spacex-anysphere?asOf=2026-06-01`);
    expect(early.deal).toMatchObject({ status: null, statusSince: null });
    expect(early.history).toEqual([expect.objectContaining({ type: "AcquisitionReported", inForce: false })]);
    expect(ids(await get("/v1/deals?asOf=2026-06-01&company=anysphere"))).not.toContain("spacex-anysphere");
    const late = await get(`/v1/deals/spacex-anysphere?asOf=2026-06-30`);
    expect(late.deal).toMatchObject({ status: "announced", statusSince: "2026-06-30" });
    expect(late.history[0]).toMatchObject({ effectiveDate: "2026-06-30", inForce: true, correctedBy: [] });
    expect((await server.request("/v1/deals/no-such-deal")).status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("describes both deal endpoints, the Deal schema and the CSV answers", async () => {
    const doc = await get("/v1/openapi.json");
    expect(doc.components.schemas.Deal.required).toEqual(
      expect.arrayContaining(["dealId", "status", "parties", "valueUsd", "sources"]),
    );
    const list = doc.paths["/v1/deals"].get;
    expect(list.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining([
        "company",
        "type",
        "status",
        "layer",
        "from",
        "to",
        "q",
        "minValueUsd",
        "sort",
      ]),
    );
    expect(list.responses["200"].content).toHaveProperty("text/csv");
    expect(doc.paths["/v1/deals/{dealId}"].get.responses).toHaveProperty("404");
    expect(doc.paths["/v1/views/rankings"].get.responses["200"].content).toHaveProperty("text/csv");
  });
});

describe("CSV", () => {
  it("streams every deal of the list (no pagination) with its file name and cursor", async () => {
    const json = await get("/v1/deals?company=openai&limit=2");
    const response = await server.request("/v1/deals?company=openai&limit=2", {
      headers: { accept: "text/csv" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="stackledger-deals-${today}.csv"`,
    );
    expect(response.headers.get("x-stackledger-cursor")).toBe(json.cursor);
    const [header, ...rows] = parseCsv(await response.text());
    const all = await get("/v1/deals?company=openai");
    expect(rows.map((row) => row[0])).toEqual(ids(all));
    expect(header).toContain("parties");
    const colossus = parseCsv(await (await server.request("/v1/deals?format=csv&q=colossus")).text());
    const parties = colossus[0]!.indexOf("parties");
    expect(colossus.slice(1).map((row) => row[parties])).toContain("customer:anthropic; provider:spacex");
  });

  it("a past date's and a knowledge point's CSV hold the list of that date and cursor, every deal once", async () => {
    for (const query of [
      "asOf=2026-06-30&sort=dealId",
      `knownAt=${encodeURIComponent(seedCursor)}&sort=-valueUsd`,
    ]) {
      const all = await get(`/v1/deals?${query}&limit=10000`);
      expect(all.deals.length).toBeGreaterThan(1);
      const response = await server.request(`/v1/deals?${query}&format=csv`);
      expect(response.headers.get("x-stackledger-cursor")).toBe(all.cursor);
      const [, ...rows] = parseCsv(await response.text());
      expect(rows.map((row) => row[0])).toEqual(ids(all));
    }
  });

  it("serves the three list views as CSV with flattened columns", async () => {
    const layers = parseCsv(await (await server.request("/v1/views/layers?format=csv&limit=1")).text());
    const json = await get("/v1/views/layers?limit=10000");
    expect(layers).toHaveLength(json.companies.length + 1);
    const google = layers.find((row) => row[0] === "google")!;
    expect(google[layers[0]!.indexOf("layers.model.path")]).toBe("direct");
    const edges = await server.request("/v1/views/dependencies", { headers: { accept: "text/csv" } });
    expect(edges.headers.get("content-disposition")).toMatch(
      /stackledger-dependencies-\d{4}-\d{2}-\d{2}\.csv/,
    );
    expect(parseCsv(await edges.text())[0]).toEqual([
      "customer",
      "supplier",
      "layer",
      "weight",
      "totalValueUsd",
      "firstSeen",
      "deals",
    ]);
    const rankings = parseCsv(await (await server.request("/v1/views/rankings?format=csv")).text());
    expect(rankings[1]!.slice(0, 2)).toEqual(["1", "google"]);
  });
});

describe("lifecycle events over HTTP", () => {
  it("follows a status change, a correction, an amendment and a retraction, with their history and deal news", async () => {
    const [opening] = (await get(`/v1/deals/spacex-anysphere`)).history;
    const cursor = await append([
      {
        type: "DealStatusChanged",
        data: { dealId: "spacex-anysphere", status: "completed", occurredOn: "2026-07" },
      },
      {
        type: "DealCorrected",
        data: { dealId: "spacex-anysphere", correctsEventId: opening.id, changes: { price: { usd: 6e10 } } },
      },
      {
        type: "DealAmended",
        data: { dealId: "spacex-anysphere", changes: { terms: "cash" }, occurredOn: "2027" },
      },
      { type: "DealRetracted", data: { dealId: "anthropic-fluidstack" } },
    ]);
    const body = await bothWays("company=spacex&sort=dealId", cursor);
    const deal = body.deals.find((d: any) => d.dealId === "spacex-anysphere");
    expect(deal).toMatchObject({ status: "completed", statusSince: "2026-07-31", valueUsd: 6e10, events: 4 });
    expect(deal.fields.terms).toBe("stock");
    const page = await get(`/v1/deals/spacex-anysphere?asOf=2027-12-31`);
    expect(page.deal.fields.terms).toBe("cash");
    expect(page.history.map((e: any) => [e.type, e.inForce])).toEqual([
      ["AcquisitionReported", true],
      ["DealStatusChanged", true],
      ["DealCorrected", true],
      ["DealAmended", true],
    ]);
    expect(page.history[0].correctedBy).toEqual([page.history[2].id]);
    const now = await get(`/v1/deals/spacex-anysphere`);
    expect(now.history.find((e: any) => e.type === "DealAmended").inForce).toBe(false);

    expect(ids(await get(`/v1/deals?company=anthropic`))).not.toContain("anthropic-fluidstack");
    const retracted = await get(`/v1/deals?status=retracted`);
    expect(retracted.deals).toEqual([
      expect.objectContaining({ dealId: "anthropic-fluidstack", retracted: true }),
    ]);

    const news = await eventually(
      () => dealNews(),
      (list) => list.some((c) => c.dealId === "anthropic-fluidstack" && c.after === "retracted"),
    );
    expect(news).toContainEqual(
      expect.objectContaining({ dealId: "spacex-anysphere", before: "announced", after: "completed" }),
    );
    expect(news).toContainEqual(
      expect.objectContaining({ dealId: "anthropic-fluidstack", before: "announced", after: "retracted" }),
    );
  });

  it("a future-dated status takes effect at midnight, with its deal news, without a new event", async () => {
    const cursor = await append([
      {
        type: "DealStatusChanged",
        data: { dealId: "openai-jalapeno", status: "completed", occurredOn: "2026-11-22" },
      },
    ]);
    const before = await get(`/v1/deals?q=jalape%C3%B1o&waitFor=${cursor}&timeout=10000`);
    expect(before.deals.find((d: any) => d.dealId === "openai-jalapeno").status).toBe("announced");
    today = "2026-11-22";
    const news = await eventually(
      () => dealNews(),
      (list) => list.some((c) => c.dealId === "openai-jalapeno" && c.after === "completed"),
      10_000,
    );
    expect(news).toContainEqual(
      expect.objectContaining({ dealId: "openai-jalapeno", before: "announced", after: "completed" }),
    );
    const after = await get(`/v1/deals?type=ChipLaunchReported&status=completed`);
    expect(ids(after)).toContain("openai-jalapeno");
  });
});

async function dealNews(): Promise<any[]> {
  const rows = await database.handle.db
    .selectFrom("view_changes")
    .select(["projection", "changes"])
    .where("projection", "=", "deal-records")
    .execute();
  return rows.flatMap((row) => row.changes as any[]).filter((c) => c.kind === "deal_status_changed");
}
