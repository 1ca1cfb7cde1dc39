import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECTIONS } from "../projections/index.js";
import { firstDifference } from "../projections/test-support/first-difference.js";
import { loadSeedExpected } from "../projections/test-support/seed-data.js";
import { createProjector, type Projector } from "../src/projector/create-projector.js";
import { eventually } from "./support/eventually.js";
import { demoEvents } from "./support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "./support/test-server.js";

// The service runs "today" = 2026-11-21, the first date of the seed expectations: that date is then the
// current view (read model) and 2025-12-31 a past date (folded in memory).
const TODAY = "2026-11-21";
const clock = () => new Date(`${TODAY}T12:00:00Z`);

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
    pollMs: 100,
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

async function view(path: string) {
  const response = await server.request(path);
  expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
  return (await response.json()) as any;
}

function expectSameView(actual: any, expected: unknown) {
  expect(actual.cursor).toEqual(expect.any(String));
  const difference = firstDifference({ ...actual, cursor: null }, expected, { tolerance: 0.0005 });
  expect(difference).toBeUndefined();
}

async function expectSeedViews() {
  const expected = loadSeedExpected();
  for (const asOf of [TODAY, "2025-12-31"]) {
    const query = `asOf=${asOf}&waitFor=${seedCursor}&timeout=10000`;
    expectSameView(await view(`/v1/views/layers?${query}`), expected[asOf]!.layers);
    expectSameView(await view(`/v1/views/dependencies?${query}`), expected[asOf]!.dependencies);
    expectSameView(await view(`/v1/views/rankings?${query}`), expected[asOf]!.rankings);
  }
  // The fourth projection (deal records) is live at the seed's cursor too.
  await view(`/v1/deals?waitFor=${seedCursor}&timeout=10000&limit=1`);
}

describe("the seed data set over HTTP", () => {
  it("reproduces both expected dates: today from the live read model, 2025-12-31 folded in memory", async () => {
    await expectSeedViews();
    const status = (await view("/v1/projections")) as any[];
    expect(status.map((p) => [p.name, p.status])).toEqual([
      ["layer-ownership", "live"],
      ["dependency-graph", "live"],
      ["integration-ranking", "live"],
      ["deal-records", "live"],
    ]);
  });

  it("reproduces them again after a rebuild, and readers never see a partial view", async () => {
    const before = (await view("/v1/projections")) as any[];
    const response = await server.request("/v1/projections/rebuild", { method: "POST", token: ADMIN_TOKEN });
    expect(response.status).toBe(202);
    expect(((await response.json()) as any[]).every((p) => p.status === "rebuilding")).toBe(true);

    // While the rebuild runs, every read is a whole view.
    const seen = new Set<number>();
    const after = await eventually(
      async () => {
        const layers = await view(`/v1/views/layers`);
        seen.add(layers.companies.length);
        return (await view("/v1/projections")) as any[];
      },
      (status) =>
        status.every(
          (p, i) => p.status === "live" && p.lastRebuild?.finishedAt !== before[i].lastRebuild?.finishedAt,
        ),
      20_000,
    );
    expect(after.every((p) => p.status === "live")).toBe(true);
    expect([...seen]).toEqual([demoEvents().filter((e) => e.type === "CompanyRegistered").length]);
    await expectSeedViews();
  });

  it("a completed acquisition changes ownership, the ranking and the change records", async () => {
    const response = await server.request("/v1/events", {
      method: "POST",
      json: {
        type: "DealStatusChanged",
        data: { dealId: "spacex-anysphere", status: "completed", occurredOn: "2026-06" },
      },
    });
    const { cursor } = (await response.json()) as any;
    const spacex = await view(`/v1/views/layers/spacex?waitFor=${cursor}`);
    expect(spacex.layers.application).toMatchObject({ path: "via_acquisition", via: "anysphere" });
    expect(spacex.controls).toEqual([
      expect.objectContaining({ companyId: "anysphere", stake: 100 }),
      expect.objectContaining({ companyId: "xai" }),
    ]);
    const before = await view(`/v1/views/rankings?knownAt=${seedCursor}`);
    const rankings = await view(`/v1/views/rankings?waitFor=${cursor}`);
    const score = (body: any) => body.rankings.find((r: any) => r.companyId === "spacex")?.score;
    expect(score(rankings)).toBeGreaterThan(score(before) + 1);
    const top3 = await view(`/v1/views/rankings?limit=3`);
    expect(top3.rankings.map((r: any) => r.rank)).toEqual([1, 2, 3]);
    expect(top3.next).toEqual(expect.any(String));

    const changes = await database.handle.db
      .selectFrom("view_changes")
      .select(["projection", "changes"])
      .execute();
    const descriptions = changes.flatMap((row) => (row.changes as any[]).map((change) => change.description));
    expect(descriptions).toContain("spacex gained application via anysphere (acquisition completed)");
  });

  it("answers as known at an earlier cursor, and for a past date", async () => {
    const now = await view(`/v1/views/layers/spacex`);
    expect(now.layers.application).toBeDefined();
    const known = await view(`/v1/views/layers/spacex?knownAt=${seedCursor}`);
    expect(known.layers.application).toBeUndefined();
    expect(known.cursor).toBe(seedCursor);
    const past = await view(`/v1/views/layers/spacex?asOf=2026-05-31`);
    expect(past.layers.application).toBeUndefined();
  });

  it("paginates with next, filters dependencies, and 404s an unknown company", async () => {
    const first = await view(`/v1/views/layers?limit=5`);
    expect(first.companies).toHaveLength(5);
    const second = await view(`/v1/views/layers?limit=5&after=${first.next}`);
    expect(second.companies[0].companyId > first.companies[4].companyId).toBe(true);
    const all = await view(`/v1/views/layers?limit=10000`);
    expect(all.next).toBeUndefined();

    const openai = await view(`/v1/views/dependencies?company=openai&layer=hardware`);
    expect(openai.edges.length).toBeGreaterThan(0);
    for (const edge of openai.edges) {
      expect([edge.customer, edge.supplier]).toContain("openai");
      expect(edge.layer).toBe("hardware");
    }
    expect((await server.request("/v1/views/layers/nobody")).status).toBe(404);
    expect((await server.request("/v1/views/layers?asOf=2025-02-30")).status).toBe(400);
  });

  it("waitFor a cursor the view cannot reach in time is a 504", async () => {
    await projector.stop();
    const { cursor } = (await (
      await server.request("/v1/events", {
        method: "POST",
        json: { type: "CompanyRegistered", data: { companyId: "late", name: "Late", kind: "company" } },
      })
    ).json()) as any;
    const response = await server.request(`/v1/views/layers?waitFor=${cursor}&timeout=200`);
    expect(response.status).toBe(504);
  });

  it("a company timeline lists its events by effective date with the deal's status", async () => {
    const timeline = await view(`/v1/companies/anysphere/timeline`);
    expect(timeline.events.length).toBeGreaterThan(1);
    const dates = timeline.events.map((e: any) => e.effectiveDate);
    expect([...dates].sort()).toEqual(dates);
    const completion = timeline.events.find((e: any) => e.type === "DealStatusChanged");
    expect(completion).toMatchObject({ effectiveDate: "2026-06-30", status: "completed" });
    expect((await server.request("/v1/companies/nobody/timeline")).status).toBe(404);
  });
});
