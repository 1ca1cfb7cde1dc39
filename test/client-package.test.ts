import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventInput } from "../src/client/index.js";
import { companyRegistered } from "./support/fixtures.js";
import {
  CLIENT_ADMIN_TOKEN,
  CLIENT_APPEND_TOKEN,
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

/** The README's "Client" section's code blocks, pointed at the test server. */
async function readmeSnippets(): Promise<string[]> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Client\n"),
    readme.indexOf("\n## ", readme.indexOf("## Client\n") + 1),
  );
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) =>
    m[1]!.replaceAll("http://localhost:3000", server.url),
  );
}

/** Runs a script until its output matches, then SIGINTs it; answers its output once it has exited. */
async function runUntil(file: string, pattern: RegExp): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, [file], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
    if (pattern.test(output)) child.kill("SIGINT");
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  child.once("exit", (_code, signal) => {
    if (signal) output += `\n(killed by ${signal})`;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { output, code };
}

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

    // The README's two examples, as a new user would paste them.
    const [follow, importer] = await readmeSnippets();
    expect(follow).toContain("fileCheckpoint");
    await writeFile(join(app, "follow-changes.mjs"), follow!);
    await client.append(companyRegistered("readme-a", { layers: [{ layer: "model" }] }) as EventInput);
    const firstFollow = await runUntil("follow-changes.mjs", /readme-a gained model/);
    expect(firstFollow.code).toBe(0);
    expect(await readFile(join(app, "changes.cursor"), "utf8")).toMatch(/^\S+\n$/);
    await client.append(companyRegistered("readme-b", { layers: [{ layer: "model" }] }) as EventInput);
    const secondFollow = await runUntil("follow-changes.mjs", /readme-b gained model/);
    expect(secondFollow.code).toBe(0);
    // Resumed from the file: only what came after the first run.
    // (a change the first run had not reached yet, such as readme-a's ranking, may come now; none twice).
    const firstLines = new Set(firstFollow.output.split("\n").filter(Boolean));
    expect(secondFollow.output.split("\n").filter((line) => firstLines.has(line))).toEqual([]);

    const importLines = ["readme-1", "readme-2", "readme-3"].map((id) =>
      JSON.stringify({ ...companyRegistered(id), id: randomUUID() }),
    );
    await writeFile(join(app, "events.ndjson"), `${importLines.join("\n")}\n`);
    await writeFile(join(app, "import.mjs"), importer!);
    const env = { ...process.env, STACKLEDGER_TOKEN: CLIENT_APPEND_TOKEN };
    const imported = await run(process.execPath, ["import.mjs"], { cwd: app, env });
    expect(imported.stdout).toMatch(/^3 appended \(\S+\)\n$/);
    const reimported = await run(process.execPath, ["import.mjs"], { cwd: app, env });
    expect(reimported.stdout).toMatch(/^3 already there/);
  }, 300_000);
});
