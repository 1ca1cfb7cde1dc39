import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventInput } from "../src/client/index.js";
import { companyRegistered } from "./support/fixtures.js";
import {
  CLIENT_ADMIN_TOKEN,
  createServeStorage,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

let dir: string;
let app: string;
let storage: ServeStorage;
let server: ServeProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stackledger-package-"));
  app = join(dir, "app");
  await mkdir(app);
  storage = await createServeStorage();
  server = await startServeProcess(storage);
}, 90_000);
afterAll(async () => {
  server?.process.child.kill("SIGTERM");
  await server?.process.exited;
  await storage?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Installs the tarball from the npm cache; reaches the registry only when the cache lacks a dependency. */
async function install(tarball: string) {
  const args = ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball];
  try {
    await run("npm", [...args, "--offline"], { cwd: app });
  } catch {
    await run("npm", [...args, "--prefer-offline"], { cwd: app, timeout: 180_000 });
  }
}

describe("the stackledger/client package", () => {
  it("packs, installs into an empty project, imports from JavaScript and TypeScript, and subscribes", async () => {
    const packed = await run("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, timeout: 180_000 });
    const tarball = join(dir, packed.stdout.trim().split("\n").at(-1)!);
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    await install(tarball);
    expect((await readdir(join(app, "node_modules/stackledger/dist/client"))).sort()).toEqual(
      expect.arrayContaining(["index.js", "index.d.ts", "create-client.d.ts"]),
    );

    const client = createClient({ url: server.url, token: CLIENT_ADMIN_TOKEN });
    const ids = ["pkg-a", "pkg-b", "pkg-c"];
    const appended = await client.append(ids.map((id) => companyRegistered(id) as EventInput));

    // Plain JavaScript: follow the feed with a file checkpoint up to a known event, twice (the second run resumes).
    await writeFile(
      join(app, "follow.mjs"),
      `import { createClient, fileCheckpoint } from "stackledger/client";
const [url, last] = process.argv.slice(2);
const client = createClient({ url });
const subscription = client.subscribe(
  { feed: "events", after: "start", checkpoint: fileCheckpoint("cursor.txt") },
  (event) => {
    console.log(event.type, event.data.companyId);
    if (event.data.companyId === last) void subscription.stop();
  },
);
await subscription.done;
console.log("done");
`,
    );
    const first = await run(process.execPath, ["follow.mjs", server.url, "pkg-c"], {
      cwd: app,
      timeout: 30_000,
    });
    expect(first.stdout).toBe(`${ids.map((id) => `CompanyRegistered ${id}`).join("\n")}\ndone\n`);
    await client.append(companyRegistered("pkg-d") as EventInput);
    const second = await run(process.execPath, ["follow.mjs", server.url, "pkg-d"], {
      cwd: app,
      timeout: 30_000,
    });
    expect(second.stdout).toBe("CompanyRegistered pkg-d\ndone\n");
    expect(appended.events).toHaveLength(3);

    // TypeScript: the declarations type the events by the catalog, so a wrong field fails to compile.
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["good.ts"],
      }),
    );
    await writeFile(
      join(app, "good.ts"),
      `import { ConflictError, createClient, memoryCheckpoint, type StoredEvent } from "stackledger/client";
const client = createClient({ url: "http://localhost:3000", token: "t" });
export async function main(): Promise<string> {
  const { cursor, replayed } = await client.append({ type: "CompanyRegistered", data: { companyId: "acme", name: "Acme", kind: "company" } });
  const company = await client.views.company("acme", { waitFor: cursor });
  for await (const deal of client.deals({ company: "acme", sort: "-valueUsd" })) console.log(deal.dealId, deal.valueUsd);
  const sub = client.subscribe({ feed: "events", checkpoint: memoryCheckpoint() }, (event: StoredEvent) => {
    if (event.type === "CompanyRegistered") console.log(event.data.name.toUpperCase());
  });
  await sub.stop();
  try { await client.append({ type: "DealEnded", data: { dealId: "d" } }); } catch (error) { if (error instanceof ConflictError) console.log(error.status); }
  return company.name + String(replayed);
}
`,
    );
    await run(process.execPath, [TSC, "-p", "."], { cwd: app });
    await writeFile(
      join(app, "bad.ts"),
      `import { createClient } from "stackledger/client";
await createClient({ url: "x" }).append({ type: "CompanyRegistered", data: { companyId: "acme", nam: "Acme", kind: "company" } });
`,
    );
    await writeFile(
      join(app, "tsconfig.bad.json"),
      JSON.stringify({ extends: "./tsconfig.json", files: ["bad.ts"] }),
    );
    const bad = await run(process.execPath, [TSC, "-p", "tsconfig.bad.json"], { cwd: app }).catch((e) => e);
    expect(bad.stdout).toMatch(/bad\.ts\(2,\d+\): error TS\d+: .*\bnam\b/);
  }, 300_000);
});
