import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/client/index.js";
import { demoEvents } from "./support/fixtures.js";
import {
  CLIENT_APPEND_TOKEN,
  createServeStorage,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";
import { runCli } from "./support/spawn-service.js";

let storage: ServeStorage;
let server: ServeProcess;

beforeAll(async () => {
  storage = await createServeStorage();
  server = await startServeProcess(storage);
}, 90_000);
afterAll(async () => {
  server?.process.child.kill("SIGTERM");
  await server?.process.exited;
  await storage?.drop();
});

async function importFile(file: string, env: Record<string, string> = {}, extra: string[] = []) {
  const cli = runCli(["import", "--url", server.url, ...extra, file], env);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

describe("stackledger import --url (through the client)", () => {
  it("imports a file through the API in batches, reports bad lines, and a second run appends nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stackledger-import-url-"));
    const file = join(dir, "events.ndjson");
    const events = demoEvents();
    const lines = events.map((event) => JSON.stringify(event));
    // An export line (server-assigned fields are dropped), a malformed line and one the schema refuses.
    lines.splice(3, 0, "{not json");
    lines.splice(5, 0, JSON.stringify({ type: "CompanyRegistered", data: { companyId: "Bad Id" } }));
    await writeFile(file, `${lines.join("\n")}\n`);

    const first = await importFile(file, { STACKLEDGER_TOKEN: CLIENT_APPEND_TOKEN }, ["--batch-size", "10"]);
    expect(first.output).toContain(`appended ${events.length}, already present 0, failed 2`);
    expect(first.output).toMatch(/line 4: malformed JSON/);
    expect(first.output).toMatch(/line 6: data\.companyId: /);
    expect(first.code).toBe(1);

    // The log's read horizon may hold just-committed events back for a moment (see eventually.ts).
    await expect
      .poll(async () => (await createClient({ url: server.url }).events().toArray()).map((e) => e.id))
      .toEqual(events.map((e) => e.id));

    const again = await importFile(file, {}, ["--token", CLIENT_APPEND_TOKEN]);
    expect(again.output).toContain(`appended 0, already present ${events.length}, failed 2`);

    const anonymous = await importFile(file);
    expect(anonymous.code).toBe(1);
    expect(anonymous.output).toMatch(/import stopped: .*token/i);
  }, 120_000);
});
