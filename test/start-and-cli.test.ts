import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_EVENTS_FILE, demoEvents } from "./support/fixtures.js";
import { runCli, waitForOutput } from "./support/spawn-service.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stackledger-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("npm start on a fresh machine (embedded database)", () => {
  it("migrates, loads the demo data, prints a banner with a token, serves, and stops cleanly on SIGTERM", async () => {
    const dataDir = join(dir, "data");
    const service = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir });
    const [, url] = await waitForOutput(service, /listening on (http:\/\/\S+)/);
    expect(service.output()).toMatch(/admin token: sl_\S+/);
    expect(service.output()).toContain(`data dir ${dataDir}`);
    expect(service.output()).toContain(`demo data: ${demoEvents().length} events loaded`);

    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const page = (await (await fetch(`${url}/v1/events?limit=1000`)).json()) as any;
    expect(page.events.map((e: any) => e.id)).toEqual(demoEvents().map((e) => e.id));

    const token = service.output().match(/admin token: (sl_\S+)/)?.[1];
    const append = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        type: "CompanyRegistered",
        data: { companyId: "newco", name: "NewCo", kind: "company" },
      }),
    });
    expect(append.status).toBe(201);

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);

    // A second start keeps the data, does not load the demo twice, and shows the same token.
    const again = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir });
    const [, url2] = await waitForOutput(again, /listening on (http:\/\/\S+)/);
    expect(again.output()).toContain(`admin token: ${token}`);
    expect(again.output()).not.toContain("demo data");
    const all = (await (await fetch(`${url2}/v1/events?limit=1000`)).json()) as any;
    expect(all.events).toHaveLength(demoEvents().length + 1);
    again.child.kill("SIGINT");
    expect(await again.exited).toBe(0);
  }, 240_000);
});

describe("stackledger import", () => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    if (!serverOnly("import into a server database from another process"))
      database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it.skipIf(serverOnly("import into a server database from another process"))(
    "appends a file in batches, is idempotent on a second run, and reports bad lines",
    async () => {
      const url = database!.url!;
      const first = runCli(["import", DEMO_EVENTS_FILE, "--batch-size", "10"], { DATABASE_URL: url });
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain(`appended ${demoEvents().length}, already present 0, failed 0`);

      const second = runCli(["import", DEMO_EVENTS_FILE], { DATABASE_URL: url });
      expect(await second.exited).toBe(0);
      expect(second.output()).toContain(`appended 0, already present ${demoEvents().length}, failed 0`);

      const bad = join(dir, "bad.ndjson");
      await writeFile(
        bad,
        [
          JSON.stringify({
            type: "CompanyRegistered",
            data: { companyId: "fresh", name: "Fresh", kind: "company" },
          }),
          "{not json",
          JSON.stringify({
            type: "CompanyRegistered",
            data: { companyId: "openai", name: "Again", kind: "company" },
          }),
          JSON.stringify({
            type: "CompanyRegistered",
            data: { companyId: "BAD", name: "x", kind: "company" },
          }),
        ].join("\n"),
      );
      const third = runCli(["import", bad], { DATABASE_URL: url });
      expect(await third.exited).toBe(1);
      expect(third.output()).toContain("appended 1, already present 0, failed 3");
      expect(third.output()).toMatch(/line 2: malformed JSON/);
      expect(third.output()).toMatch(/line 3: conflict/);
      expect(third.output()).toMatch(/line 4: data\.companyId/);
    },
    90_000,
  );
});
