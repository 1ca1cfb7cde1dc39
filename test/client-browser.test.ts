import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENT_APPEND_TOKEN,
  createServeStorage,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";

// Debian's chromium, never a downloaded browser; without it this test is skipped with a reason.
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipped the client's browser test: ${CHROMIUM} is missing`);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
let outDir: string;
let storage: ServeStorage;
let server: ServeProcess;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  // The client as the package ships it (tsc output), into a directory of this test's own.
  outDir = await mkdtemp(join(tmpdir(), "stackledger-client-build-"));
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.client.json", "--outDir", outDir],
    { cwd: ROOT },
  );
  storage = await createServeStorage();
  server = await startServeProcess(storage);
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  server?.process.child.kill("SIGTERM");
  await server?.process.exited;
  await storage?.drop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

// The callback of page.evaluate runs in the page.
declare const document: unknown;
declare const window: { stackledger: typeof import("../src/client/index.js") };

describe.skipIf(!hasChromium)("stackledger/client in a browser", () => {
  it("appends, reads and subscribes from a page, with typed errors", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // The built modules are served under the API's own origin, so the page needs no CORS.
    await page.route(`${server.url}/__client/**`, (route) => {
      const path = new URL(route.request().url()).pathname.replace("/__client/", "");
      return route.fulfill({ path: join(outDir, path), contentType: "text/javascript" });
    });
    await page.goto(`${server.url}/health`);
    await page.addScriptTag({
      type: "module",
      content: 'import * as client from "/__client/client/index.js"; window.stackledger = client;',
    });
    await page.waitForFunction(() => window.stackledger !== undefined);
    const result = await page.evaluate(
      async ({ url, token }) => {
        const m = window.stackledger;
        const client = m.createClient({ url, token });
        const event = {
          type: "CompanyRegistered",
          data: { companyId: "browser-co", name: "B", kind: "company" },
        } as const;
        const first = await client.append(event);
        const again = await client.append({ ...event, id: first.events[0]?.id });
        const seen: string[] = [];
        const iterator = client.subscribe({ feed: "events", after: "start" });
        for await (const stored of iterator) {
          if (stored.type === "CompanyRegistered") seen.push(stored.data.companyId);
          break;
        }
        const invalid = await client
          .append({ type: "CompanyRegistered", data: {} } as never)
          .catch((e: unknown) => e);
        const stream = await client.stream("company-browser-co");
        return {
          replayed: [first.replayed, again.replayed],
          seen,
          version: stream.version,
          invalid: invalid instanceof m.ValidationError ? invalid.errors.length : "not a ValidationError",
          hasDocument: typeof document,
        };
      },
      { url: server.url, token: CLIENT_APPEND_TOKEN },
    );
    expect(errors).toEqual([]);
    expect(result).toEqual({
      replayed: [false, true],
      seen: ["browser-co"],
      version: 1,
      invalid: expect.any(Number),
      hasDocument: "object",
    });
    expect(result.invalid).toBeGreaterThan(0);
  }, 60_000);
});
