import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/client/index.js";
import { LOCK_FILE } from "../src/db/data-dir-lock.js";
import {
  appendCompany,
  type EmbeddedService,
  readAllIds,
  startEmbedded,
  stopService,
} from "./support/embedded-service.js";
import { runCli } from "./support/spawn-service.js";
import { createTestDatabase } from "./support/test-database.js";
import { ADMIN_TOKEN, startTestServer } from "./support/test-server.js";

let dir: string;
const running: EmbeddedService[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stackledger-backup-"));
});
afterAll(async () => {
  for (const service of running)
    if (service.spawned.child.exitCode === null) service.spawned.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Appenders that keep going until stopped, recording each acknowledged id in the order acks arrive. */
function appendLoad(service: EmbeddedService, writers: number) {
  const acked: string[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: writers }, async () => {
    while (!stopped) acked.push(await appendCompany(service, `load-${n++}`));
  });
  return {
    acked,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe("stackledger backup and restore (embedded)", () => {
  it("copies a running server's folder under append load; the restore starts with every event acked before, in order", async () => {
    const dataDir = join(dir, "live");
    const service = await startEmbedded(dataDir);
    running.push(service);
    const load = appendLoad(service, 4);
    while (load.acked.length < 40) await new Promise((resolve) => setTimeout(resolve, 20));

    const ackedBefore = [...load.acked];
    const file = join(dir, "live.tar.gz");
    // No URL or token given: the command finds the server in the folder's lock and its admin token beside it.
    const backup = runCli(["backup", "--output", file, "--data-dir", dataDir]);
    expect(await backup.exited).toBe(0);
    expect(backup.output()).toMatch(/backed up \d+ events from the server at http/);
    const ackedAfterBackup = load.acked.length;
    await load.stop();
    // The load ran through the backup.
    expect(ackedAfterBackup).toBeGreaterThan(ackedBefore.length);

    const restoredDir = join(dir, "restored");
    const restore = runCli(["restore", file, "--data-dir", restoredDir]);
    expect(await restore.exited).toBe(0);
    expect(restore.output()).toMatch(/restored \d+ events into/);
    expect(existsSync(join(restoredDir, LOCK_FILE))).toBe(false);

    // The original still runs: the copy carries no lock of it, so a server starts on the copy beside it.
    const copy = await startEmbedded(restoredDir);
    running.push(copy);
    const restoredIds = await readAllIds(copy.url);
    const originalIds = await readAllIds(service.url);
    for (const id of ackedBefore) expect(restoredIds).toContain(id);
    // Same ids in the same order: the copy is a prefix of the original's log.
    expect(restoredIds).toEqual(originalIds.slice(0, restoredIds.length));
    // The copy is a working database, with the original's admin token.
    expect(copy.token).toBe(service.token);
    await appendCompany(copy, "after-restore");

    expect(await stopService(copy)).toBe(0);
    expect(await stopService(service)).toBe(0);

    // With no server on the folder, the command opens it itself.
    const offline = runCli(["backup", "--output", join(dir, "offline.tar.gz"), "--data-dir", dataDir]);
    expect(await offline.exited).toBe(0);
    expect(offline.output()).toContain(`backed up ${originalIds.length} events from ${dataDir}`);
  }, 300_000);

  it("restore refuses a folder that holds anything, and a file that is not a backup", async () => {
    const full = join(dir, "full");
    await mkdir(full);
    await writeFile(join(full, "something"), "x");
    const refused = runCli(["restore", join(dir, "whatever.tar.gz"), "--data-dir", full]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`${full} is not empty`);

    const bogus = join(dir, "bogus.tar.gz");
    await writeFile(bogus, "not a backup at all\n".repeat(100));
    const target = join(dir, "from-bogus");
    const failed = runCli(["restore", bogus, "--data-dir", target]);
    expect(await failed.exited).toBe(1);
    expect(failed.output()).toContain("is not a usable backup");
    // Left empty for another attempt.
    expect(await readdir(target)).toEqual([]);
  }, 120_000);

  it("on PostgreSQL points to pg_basebackup instead", async () => {
    const result = runCli(["backup", "--output", join(dir, "pg.tar.gz")], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    });
    expect(await result.exited).toBe(2);
    expect(result.output()).toContain("pg_basebackup");
    expect(existsSync(join(dir, "pg.tar.gz"))).toBe(false);
  });
});

describe("GET /v1/admin/backup", () => {
  it("needs the admin scope, and without an embedded database says to use pg_basebackup", async () => {
    const database = await createTestDatabase();
    const server = await startTestServer(database);
    try {
      expect((await server.request("/v1/admin/backup", { token: null })).status).toBe(401);
      expect((await server.request("/v1/admin/backup")).status).toBe(403);
      const response = await server.request("/v1/admin/backup", { token: ADMIN_TOKEN });
      expect(response.status).toBe(501);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(((await response.json()) as { detail: string }).detail).toContain("pg_basebackup");
      const doc = (await (await server.request("/v1/openapi.json")).json()) as any;
      expect(doc.paths["/v1/admin/backup"].get.responses).toHaveProperty("501");
      // The client's backup() is the same operation, with the problem as a typed error.
      await expect(createClient({ url: server.url, token: ADMIN_TOKEN }).backup()).rejects.toMatchObject({
        status: 501,
      });
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
