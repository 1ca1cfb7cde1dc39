import { existsSync, mkdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECTIONS } from "../../projections/index.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { createFeed, type Feed } from "../../src/feed/create-feed.js";
import { createProjector, type Projector } from "../../src/projector/create-projector.js";
import { demoEvents } from "../support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../support/test-server.js";

// Debian's chromium, never a downloaded browser. Without it these tests are skipped with a reason, like the
// PostgreSQL-only tests under PGlite, so `npm test` passes on a machine that has none.
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`skipped browser tests: ${CHROMIUM} is missing (install it with apt-get install -y chromium)`);
}

// The callbacks of page.evaluate run in the page; the test's own types stay Node's.
declare const document: any;
declare const window: any;

const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const TODAY = "2026-11-21";
const PAST = "2025-12-31";
const clock = () => new Date(`${TODAY}T12:00:00Z`);
const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);

let database: TestDatabase;
let server: TestServer;
let feed: Feed;
let projector: Projector;
let context: BrowserContext;
let userDataDir: string;
let page: Page;
let port: number;
const eventWakeUp = createWakeUp();
const changeWakeUp = createWakeUp();
const timings: Record<string, string> = {};
/** How late a live change may reach the page before the test fails (the target, 2 s, is printed with the timings). */
const LIVE_BOUND_MS = 10_000;

const makeFeed = () =>
  createFeed({
    db: database.handle.db,
    logId: database.logId,
    databaseUrl: database.url,
    eventWakeUp,
    changeWakeUp,
    pollMs: 200,
    timings: { retryMs: 300 },
    log: () => {},
  });

async function startServer() {
  feed = await makeFeed();
  server = await startTestServer(
    database,
    { feed, projections: PROJECTIONS, clock, onAppended: () => eventWakeUp.signal() },
    port,
  );
  port = Number(new URL(server.url).port);
}

async function api(path: string) {
  const response = await server.request(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as any;
}

async function append(body: unknown) {
  const response = await server.request("/v1/events", { method: "POST", json: body, token: ADMIN_TOKEN });
  expect(response.status).toBe(201);
  return (await response.json()) as any;
}

const screenshot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

// ---- what the page shows, and what the API says, in one comparable shape ------------------------------

interface Cell {
  layer: string;
  path: string | null;
  via: string | null;
  planned: boolean;
}

function matrixFromApi(body: any) {
  return body.companies
    .map((c: any) => ({
      id: c.companyId,
      cells: ["hardware", "compute", "model", "application"].map(
        (layer): Cell => ({
          layer,
          path: c.layers[layer]?.path ?? null,
          via: c.layers[layer]?.via ?? null,
          planned: !c.layers[layer] && c.plannedLayers.includes(layer),
        }),
      ),
    }))
    .sort((a: any, b: any) => (a.id < b.id ? -1 : 1));
}

async function matrixInPage() {
  const rows = await page.$$eval("#matrix tbody tr", (trs) =>
    trs.map((tr) => ({
      id: (tr as any).dataset.company!,
      cells: [...tr.querySelectorAll<any>("td.cell")].map((td) => ({
        layer: td.dataset.layer!,
        path: td.dataset.path ?? null,
        via: td.dataset.via ?? null,
        planned: td.dataset.planned === "true",
      })),
    })),
  );
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

const rankingsFromApi = (body: any) => body.rankings.map((r: any) => [r.rank, r.companyId, r.score]);
const rankingsInPage = () =>
  page.$$eval("#rankings tbody tr[data-company]", (trs) =>
    trs.map((tr) => {
      const data = (tr as any).dataset;
      return [Number(data.rank), data.company, Number(data.score)];
    }),
  );

const edgeKey = (e: any) => `${e.customer}>${e.supplier}>${e.layer}>${e.weight}`;
const edgesFromApi = (body: any) => body.edges.map(edgeKey).sort();
const edgesInPage = async () =>
  (
    await page.$$eval("#graph path.edge", (paths) =>
      paths.map((p) => ({
        ...(p as any).dataset,
        weight: Number((p as any).dataset.weight),
      })),
    )
  )
    .map(edgeKey)
    .sort();

async function expectPageMatchesApi(query: string) {
  const [layers, rankings, dependencies] = await Promise.all([
    api(`/v1/views/layers?limit=10000${query}`),
    api(`/v1/views/rankings?limit=10000${query}`),
    api(`/v1/views/dependencies?limit=10000${query}`),
  ]);
  expect(await matrixInPage()).toEqual(matrixFromApi(layers));
  expect(await rankingsInPage()).toEqual(rankingsFromApi(rankings));
  expect(await edgesInPage()).toEqual(edgesFromApi(dependencies));
  return { layers, rankings, dependencies };
}

const badgeState = () => page.locator("#badge").getAttribute("data-state");
const waitForBadge = (state: string, timeout = 15_000) =>
  page.waitForFunction((s) => document.querySelector("#badge")?.dataset.state === s, state, {
    timeout,
  });

describe.skipIf(!hasChromium)("the dashboard in a real browser (Debian chromium)", () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    database = await createTestDatabase();
    port = 0;
    await startServer();
    projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: PROJECTIONS,
      databaseUrl: database.url,
      clock,
      pollMs: 100,
      wakeUp: eventWakeUp,
      onChanges: () => changeWakeUp.signal(),
      log: () => {},
    });
    const { cursor } = await append({ events: demoEvents() });
    for (const view of ["layers", "dependencies", "rankings"]) {
      await api(`/v1/views/${view}?waitFor=${cursor}&timeout=10000`);
    }
    const { chromium } = await import("playwright-core");
    userDataDir = await mkdtemp(join(tmpdir(), "stackledger-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => console.warn(`page error: ${error.message}`));
  });

  afterAll(async () => {
    if (Object.keys(timings).length > 0) {
      console.log(
        `dashboard timings (seed data, local server):\n${Object.entries(timings)
          .map(([name, value]) => `  ${name}: ${value}`)
          .join("\n")}`,
      );
    }
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await projector?.stop();
    await feed?.stop();
    await server?.close();
    await database?.drop();
  });

  it("shows the matrix, ranking and graph the API's views describe", async () => {
    const started = Date.now();
    await page.goto(`${server.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    const paint = await page.evaluate(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime;
      const nav = (performance as any).getEntriesByType("navigation")[0];
      const dashboard = (window as any).stackledgerDashboard;
      return { fcp, response: nav?.responseEnd, interactive: dashboard.graphInteractiveMs };
    });
    timings["first paint of /, cold"] =
      `${paint.fcp?.toFixed(0)} ms (HTML received at ${paint.response?.toFixed(0)} ms; fresh browser, first render)`;
    timings["graph interactive, cold"] = `${paint.interactive?.toFixed(0)} ms after navigation start`;
    timings["page load, cold, wall clock"] = `${Date.now() - started} ms`;
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    const warm = await page.evaluate(() => ({
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      response: (performance as any).getEntriesByType("navigation")[0]?.responseEnd,
      interactive: window.stackledgerDashboard.graphInteractiveMs,
    }));
    timings["first paint of /"] =
      `${warm.fcp?.toFixed(0)} ms (HTML received at ${warm.response?.toFixed(0)} ms)`;
    timings["graph interactive"] = `${warm.interactive?.toFixed(0)} ms after navigation start`;

    const { layers } = await expectPageMatchesApi("");
    expect(layers.asOf).toBe(TODAY);
    expect(await page.locator("#asOf").inputValue()).toBe(TODAY);

    // Ultimate parents first, their controlled entities folded right under them.
    const order = await page.$$eval("#matrix tbody tr", (trs) =>
      trs.map((tr) => [(tr as any).dataset.company!, (tr as any).dataset.group!]),
    );
    for (const company of layers.companies.filter((c: any) => c.controlledBy)) {
      const at = order.findIndex(([id]) => id === company.companyId);
      const parentAt = order.findIndex(([id]) => id === company.controlledBy);
      expect(parentAt).toBeGreaterThanOrEqual(0);
      expect(parentAt).toBeLessThan(at);
      expect(order[at]![1]).toBe(company.ultimateParent);
    }
    // The graph's edges carry the API's numbers in their tooltips; thicker means heavier.
    const first = (await api("/v1/views/dependencies")).edges[0];
    const title = await page
      .locator(`#graph path.edge[data-customer="${first.customer}"][data-supplier="${first.supplier}"]`)
      .first()
      .locator("title")
      .textContent();
    expect(title).toContain(`weight ${first.weight}`);
    expect(title).toContain(`first seen ${first.firstSeen}`);
    expect(title).toContain(first.deals[0]);
    await waitForBadge("connected");
    await screenshot("dashboard-today");
  });

  it("sorts and searches the matrix, and shows a company's neighbourhood from the keyboard", async () => {
    await page.locator('#matrix button[data-sort="name"]').click();
    const names = await page.$$eval("#matrix tbody tr[data-depth='0'] th a", (as) =>
      as.map((a) => a.textContent!),
    );
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
    expect(page.url()).toContain("sort=name");
    await page.locator("#search").fill("xai");
    const visible = await page.$$eval("#matrix tbody tr:not([hidden])", (trs) =>
      trs.map((tr) => (tr as any).dataset.company),
    );
    expect(visible).toEqual(["spacex", "xai"]); // the match, and its parent for context
    await page.locator("#search").fill("");

    await page.locator('#graph .node[data-company="openai"]').focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#neighbourhood h3").textContent()).toBe("OpenAI");
    const openaiEdges = (await api("/v1/views/dependencies?company=openai")).edges;
    expect(await page.locator("#graph path.edge.near").count()).toBe(openaiEdges.length);
    expect(page.url()).toContain("focus=openai");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("#graph svg.focused").count()).toBe(0);
  });

  it("redraws the views for 2025-12-31 when the slider moves there, as the API says", async () => {
    const today = await api("/v1/views/layers");
    const started = Date.now();
    await page.locator("#asOf-range").fill(String(dayNumber(PAST)));
    await page.waitForSelector(`body[data-as-of="${PAST}"]`);
    const wall = Date.now() - started;
    const redraw = await page.evaluate(() => (window as any).stackledgerDashboard.redraws.at(-1));
    timings["slider redraw"] =
      `${redraw.ms.toFixed(0)} ms in the page (${wall} ms wall clock, input to drawn)`;
    const { layers } = await expectPageMatchesApi(`&asOf=${PAST}`);
    expect(matrixFromApi(layers)).not.toEqual(matrixFromApi(today));
    expect(new URL(page.url()).searchParams.get("asOf")).toBe(PAST);
    await screenshot("dashboard-2025-12-31");

    // A shared link opens the same view, server-rendered.
    const shared = await context.newPage();
    await shared.goto(page.url());
    expect(await shared.locator("#asOf").inputValue()).toBe(PAST);
    await shared.close();

    // "As known then": the record as it stood at the end of that day (the seed was recorded today: nothing).
    await page.locator("#known").check();
    await expect.poll(() => new URL(page.url()).searchParams.get("knownAt")).toBe("start");
    await page.waitForFunction(() => document.querySelectorAll("#matrix tbody tr").length === 0);
    await expectPageMatchesApi(`&asOf=${PAST}&knownAt=start`);
    await page.locator("#known").uncheck();
    await page.waitForFunction(() => document.querySelectorAll("#matrix tbody tr").length > 0);

    await page.locator("#today-button").click();
    await page.waitForSelector(`body[data-as-of="${TODAY}"]`);
    await expectPageMatchesApi("");
  });

  it("shows the SpaceX–Anysphere completion live: ticker and matrix (target 2 s, printed), no reload", async () => {
    await waitForBadge("connected");
    await page.evaluate(() => {
      (window as any).sameDocument = true;
    });
    const sent = Date.now();
    const { cursor } = await append({
      type: "DealStatusChanged",
      data: { dealId: "spacex-anysphere", status: "completed", occurredOn: "2026-06" },
    });
    const committed = Date.now();
    const description = "spacex gained application via anysphere";
    // The 2 s target is measured and printed (timings); the bound asserted is LIVE_BOUND_MS, so that a
    // loaded machine (CI beside other jobs: the projector, the feed and Chromium share its cores) does not
    // fail a change that arrives live, while a dashboard that only reloads or polls slowly still fails.
    await page.waitForFunction(
      (text) =>
        [...document.querySelectorAll("#ticker .description")].some((li) => li.textContent?.includes(text)),
      description,
      { timeout: LIVE_BOUND_MS },
    );
    await page.waitForSelector(
      '#matrix tr[data-company="spacex"] td[data-layer="application"][data-path="via_acquisition"][data-via="anysphere"]',
      { timeout: Math.max(1, LIVE_BOUND_MS - (Date.now() - sent)) },
    );
    const drawn = Date.now();
    const shownAt = await page.evaluate(
      (text) =>
        (window as any).stackledgerDashboard.changes.find((c: any) => c.description.includes(text))?.shownAt,
      description,
    );
    timings["live change latency (target 2000 ms)"] =
      `ticker ${shownAt - committed} ms after the append's response (${shownAt - sent} ms after sending), matrix redrawn ${drawn - committed} ms after`;
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    await api(`/v1/views/layers?waitFor=${cursor}`);
    await expectPageMatchesApi("");
    await screenshot("dashboard-live");
  });

  it("survives a server restart: reconnecting, then connected, and a later change still arrives", async () => {
    await server.close();
    await feed.stop();
    await waitForBadge("reconnecting");
    expect(await badgeState()).toBe("reconnecting");
    await screenshot("dashboard-reconnecting");

    await startServer();
    await waitForBadge("connected", 20_000);
    await append({
      type: "CompanyRegistered",
      data: {
        companyId: "after-restart",
        name: "After Restart",
        kind: "company",
        layers: [{ layer: "model", since: "2020" }],
      },
    });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#ticker .description")].some((li) =>
          li.textContent?.includes("after-restart"),
        ),
      null,
      { timeout: 5000 },
    );
    await page.waitForSelector(
      '#matrix tr[data-company="after-restart"] td[data-layer="model"][data-path="direct"]',
    );
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    await screenshot("dashboard-restarted");
  });

  it("shows a company page from the API, and the append form shows the server's problem+json errors", async () => {
    await page.goto(`${server.url}/companies/spacex`);
    await page.waitForSelector("body[data-ready=true]");
    const detail = await api("/v1/views/layers/spacex");
    const held = await page.$$eval("#company table.holds tr[data-path]", (trs) =>
      trs.map((tr) => [(tr as any).dataset.layer, (tr as any).dataset.path]),
    );
    expect(held).toEqual(Object.entries(detail.layers).map(([layer, h]: [string, any]) => [layer, h.path]));
    const timeline = await api("/v1/companies/spacex/timeline");
    expect(await page.locator("#company table.timeline tbody tr[data-type]").count()).toBe(
      timeline.events.length,
    );
    expect(await page.locator("#company .control-list li[data-company]").count()).toBe(
      detail.controls.length,
    );
    // Partial dates keep their precision.
    expect(
      await page.locator("#company table.timeline time", { hasText: /^2026-06$/ }).count(),
    ).toBeGreaterThan(0);
    await screenshot("dashboard-company");

    const bad = { type: "DealStatusChanged", data: { dealId: "spacex-anysphere", status: "bogus" } };
    const expected = (await (
      await server.request("/v1/events", { method: "POST", json: bad, token: ADMIN_TOKEN })
    ).json()) as any;
    await page.locator("#append summary").click();
    await page.locator("#append-token").fill(ADMIN_TOKEN);
    await page.locator("#append-body").fill(JSON.stringify(bad));
    await page.locator("#append-form button[type=submit]").click();
    await page.waitForSelector("#append-errors li");
    const shown = await page.locator("#append-errors li").allTextContents();
    expect(shown).toEqual(expected.errors.map((e: any) => `${e.path}: ${e.message}`));
    await screenshot("dashboard-append-errors");

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/`);
    await page.waitForSelector("body[data-ready=true]");
    // Wide tables and the graph scroll inside their sections; the page itself never scrolls sideways.
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((el: any) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .filter((el: any) => !el.closest(".scroll, .graph-wrap"))
        .map((el: any) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`),
    );
    expect(overflowing).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-phone.png") });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
