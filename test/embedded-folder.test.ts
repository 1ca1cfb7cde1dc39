import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../src/db/data-dir-lock.js";
import {
  appendCompany,
  type EmbeddedService,
  readAllIds,
  runNpmStart,
  startEmbedded,
  stopService,
} from "./support/embedded-service.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";

let dir: string;
const running: EmbeddedService[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stackledger-folder-"));
});
afterAll(async () => {
  for (const service of running)
    if (service.spawned.child.exitCode === null) service.spawned.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** The refusal every second process must give: one line naming folder and holder, status 1, no stack. */
async function expectRefused(spawned: Spawned, dataDir: string, holderPid: number | undefined) {
  expect(await spawned.exited).toBe(1);
  const output = spawned.output();
  expect(output).toContain(`the data folder ${dataDir} is in use by process ${holderPid}`);
  expect(output).not.toMatch(/\n\s+at /);
}

describe("one process per embedded data folder", () => {
  it("turns away a second start and every command on the folder; the first keeps every event it acked", async () => {
    const dataDir = join(dir, "shared");
    // Two starts racing on a fresh folder: exactly one wins.
    const a = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir });
    const b = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir });
    const first = await Promise.any([
      waitForOutput(a, /listening on (http:\/\/\S+)/, 120_000).then(() => a),
      waitForOutput(b, /listening on (http:\/\/\S+)/, 120_000).then(() => b),
    ]);
    const second = first === a ? b : a;
    await expectRefused(second, dataDir, first.child.pid);
    const [, url] = await waitForOutput(first, /listening on (http:\/\/\S+)/);
    const [, token] = await waitForOutput(first, /admin token: (sl_\S+)/);
    const service: EmbeddedService = { spawned: first, url: url!, token: token! };
    running.push(service);

    const acked = [await appendCompany(service, "first-a"), await appendCompany(service, "first-b")];
    // `npm start` (a forgotten terminal) and the commands that open the folder are refused alike.
    const others = [
      runNpmStart({ STACKLEDGER_DATA_DIR: dataDir, PORT: "0" }),
      runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir }),
      runCli(["migrate", "--data-dir", dataDir]),
      runCli(["import", join(dir, "none.ndjson"), "--data-dir", dataDir]),
      runCli(["rebuild", "--data-dir", dataDir]),
      runCli(["project", "--data-dir", dataDir]),
    ];
    for (const other of others) await expectRefused(other, dataDir, first.child.pid);
    acked.push(await appendCompany(service, "first-c"));

    expect(await stopService(service)).toBe(0);
    const again = await startEmbedded(dataDir);
    running.push(again);
    const ids = await readAllIds(again.url);
    for (const id of acked) expect(ids).toContain(id);
    expect(ids.slice(-acked.length)).toEqual(acked);
    expect(await stopService(again)).toBe(0);
  }, 300_000);

  it("is not blocked by the lock of a killed process, nor by a lock naming a reused PID", async () => {
    const dataDir = join(dir, "killed");
    const killed = await startEmbedded(dataDir);
    running.push(killed);
    const acked = await appendCompany(killed, "before-kill");
    killed.spawned.child.kill("SIGKILL");
    await killed.spawned.exited;

    const next = await startEmbedded(dataDir);
    running.push(next);
    expect(await readAllIds(next.url)).toContain(acked);
    expect(await stopService(next)).toBe(0);

    // A live PID (this test's own) that started at another time than the lock says: not the holder.
    const reused = {
      pid: process.pid,
      startTime: "1",
      host: hostname(),
      command: "npm start",
      since: "2020-01-01",
    };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(reused));
    const after = await startEmbedded(dataDir);
    running.push(after);
    expect(await readAllIds(after.url)).toContain(acked);
    expect(await stopService(after)).toBe(0);
  }, 300_000);
});
