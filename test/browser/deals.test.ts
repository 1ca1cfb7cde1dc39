import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECTIONS } from "../../projections/index.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { createFeed, type Feed } from "../../src/feed/create-feed.js";
import { createProjector, type Projector } from "../../src/projector/create-projector.js";
import { demoEvents } from "../support/fixtures.js";
import { parseCsv } from "../support/parse-csv.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../support/test-server.js";

// Debian's chromium, as in dashboard.test.ts: without it these tests are skipped with a reason.
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipped deal page browser tests: ${CHROMIUM} is missing`);

declare const document: any;

const TODAY = "2026-11-21";
const clock = () => new Date(`${TODAY}T12:00:00Z`);

let database: TestDatabase;
let server: TestServer;
let feed: Feed;
let projector: Projector;
let context: BrowserContext;
let userDataDir: string;
let page: Page;
let seedCursor: string;
const eventWakeUp = createWakeUp();
const changeWakeUp = createWakeUp();

async function api(path: string) {
  const response = await server.request(path);
  expect(response.status, path).toBe(200);
  return (await response.json()) as any;
}

async function append(body: unknown) {
  const response = await server.request("/v1/events", { method: "POST", json: body, token: ADMIN_TOKEN });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as any;
}

const rowsInPage = () =>
  page.$$eval("#deals tbody tr[data-deal]", (trs) => trs.map((tr) => (tr as any).dataset.deal as string));
const idsOf = (body: any) => body.deals.map((d: any) => d.dealId);

/** Waits until the list in the page is the API's answer for `query`. */
async function expectListMatches(query: string) {
  const expected = idsOf(await api(`/v1/deals?${query}`));
  await page.waitForFunction(
    (ids) =>
      JSON.stringify(
        [...document.querySelectorAll("#deals tbody tr[data-deal]")].map((tr: any) => tr.dataset.deal),
      ) === JSON.stringify(ids),
    expected,
    { timeout: 10_000 },
  );
  expect(await rowsInPage()).toEqual(expected);
  return expected;
}

describe.skipIf(!hasChromium)("the deal pages in a real browser (Debian chromium)", () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    feed = await createFeed({
      db: database.handle.db,
      logId: database.logId,
      databaseUrl: database.url,
      eventWakeUp,
      changeWakeUp,
      pollMs: 200,
      log: () => {},
    });
    server = await startTestServer(database, {
      feed,
      projections: PROJECTIONS,
      clock,
      onAppended: () => eventWakeUp.signal(),
    });
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
    seedCursor = cursor;
    await api(`/v1/deals?waitFor=${cursor}&timeout=10000`);
    const { chromium } = await import("playwright-core");
    userDataDir = await mkdtemp(join(tmpdir(), "stackledger-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => console.warn(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await projector?.stop();
    await feed?.stop();
    await server?.close();
    await database?.drop();
  });

  it("lists the deals the API lists, and searches as you type (the query lands in the URL)", async () => {
    await page.goto(`${server.url}/deals`);
    await page.waitForSelector("body[data-ready=true]");
    await expectListMatches("limit=1000");
    await page.fill("#deal-q", "jalape");
    const found = await expectListMatches("q=jalape&limit=1000");
    expect(found.sort()).toEqual(["openai-broadcom-jalapeno", "openai-jalapeno"]);
    expect(new URL(page.url()).searchParams.get("q")).toBe("jalape");
  });

  it("filters by status and sorts by value, with status badges and $ values", async () => {
    await page.goto(`${server.url}/deals`);
    await page.waitForSelector("body[data-ready=true]");
    await page.selectOption("#deal-status", "announced");
    await expectListMatches("status=announced&limit=1000");
    const statuses = await page.$$eval("#deals tbody .status", (els) =>
      els.map((e) => (e as any).dataset.status),
    );
    expect(new Set(statuses)).toEqual(new Set(["announced"]));
    await page.click('#deals a.sort[data-sort="-valueUsd"]');
    await expectListMatches("status=announced&sort=-valueUsd&limit=1000");
    const values = await page.$$eval("#deals tbody td.num", (tds) =>
      tds.map((td) => (td as any).textContent),
    );
    expect(values[0]).toMatch(/^\$\d+(\.\d)?[kMBT]$/);
  });

  it("downloads as CSV exactly the list shown", async () => {
    await page.goto(`${server.url}/deals?company=openai&sort=dealId`);
    await page.waitForSelector("body[data-ready=true]");
    const shown = await expectListMatches("company=openai&sort=dealId&limit=1000");
    const href = await page.getAttribute("#deals-csv", "href");
    expect(href).toBe("/v1/deals?company=openai&sort=dealId&format=csv");
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    const [header, ...rows] = parseCsv(csv);
    expect(header![0]).toBe("dealId");
    expect(rows.map((row) => row[0])).toEqual(shown);
  });

  it("shows a deal's page: parties linking to companies, fields, sources, a correction old → new, a retraction", async () => {
    const before = await api("/v1/deals/spacex-anysphere");
    const opening = before.history[0];
    const { cursor } = await append({
      events: [
        {
          type: "DealCorrected",
          data: {
            dealId: "spacex-anysphere",
            correctsEventId: opening.id,
            changes: { price: { usd: 7e10 } },
          },
        },
        {
          type: "DealStatusChanged",
          data: { dealId: "spacex-anysphere", status: "completed", occurredOn: "2026-07" },
        },
      ],
    });
    await api(`/v1/deals?waitFor=${cursor}&timeout=10000`);
    await page.goto(`${server.url}/deals/spacex-anysphere`);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.getAttribute('#deal .parties li[data-company="spacex"] a', "href")).toBe(
      "/companies/spacex",
    );
    expect(await page.textContent("#deal .deal-facts")).toContain("$70B");
    expect(await page.$$eval("#deal .sources a", (as) => as.length)).toBeGreaterThan(0);
    const correction = page.locator('#deal ol.history li[data-type="DealCorrected"]');
    expect(await correction.locator("del").textContent()).toBe(formatOld(opening.data.price.usd));
    expect(await correction.locator("ins").textContent()).toBe("$70B");

    // Deal news in the live ticker links to the deal.
    await page.goto(`${server.url}/deals`);
    await page.waitForSelector("#badge[data-state=connected]", { timeout: 15_000 });
    await append({ type: "DealRetracted", data: { dealId: "openai-compute-co" } });
    const link = page.locator('#ticker a[href="/deals/openai-compute-co"]');
    await link.waitFor({ timeout: 10_000 });
    await link.click();
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent(".retracted-banner")).toContain("Retracted");
    expect(await page.textContent("#deal ol.history li.retraction")).toMatch(/retracted/i);
    expect(await page.textContent("#deal .deal-title .status")).toBe("retracted");
  });

  it("applies the time slider and a knowledge point to the deal page", async () => {
    await page.goto(`${server.url}/deals/spacex-anysphere?knownAt=${seedCursor}`);
    await page.waitForSelector("body[data-ready=true]");
    // As known when the seed was loaded: announced, the later completion not yet known.
    expect(await page.textContent("#deal .deal-title .status")).toBe("announced");
    await page.goto(`${server.url}/deals/spacex-anysphere`);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#deal .deal-title .status")).toBe("completed");
    await page.fill("#asOf", "2026-06-01");
    await page.dispatchEvent("#asOf", "change");
    await page.waitForFunction(
      () => document.querySelector("#deal .deal-title .status")?.textContent === "no status yet",
      undefined,
      { timeout: 10_000 },
    );
    expect(new URL(page.url()).searchParams.get("asOf")).toBe("2026-06-01");
  });
});

/** formatUsd of the dashboard, for the seed's price. */
function formatOld(usd: number) {
  for (const [size, suffix] of [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (usd >= size) return `$${Number((usd / size).toFixed(1))}${suffix}`;
  }
  return `$${usd}`;
}
