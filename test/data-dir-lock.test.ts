import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireDataDirLock,
  DataDirLockedError,
  LOCK_FILE,
  readLockHolder,
} from "../src/db/data-dir-lock.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "stackledger-lock-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
async function freshFolder(): Promise<string> {
  const dir = join(root, `f${folders++}`);
  await mkdir(dir);
  return dir;
}

/** A PID that certainly ran and no longer runs: a child that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

function lockOf(pid: number, startTime: string | null) {
  return `${JSON.stringify({ pid, startTime, host: hostname(), command: "stackledger serve", since: "2026-01-01T00:00:00.000Z" })}\n`;
}

describe("the data folder lock", () => {
  it("turns away a second holder, naming the folder and the holder's PID, until released", async () => {
    const dir = await freshFolder();
    const lock = await acquireDataDirLock(dir);
    const second = await acquireDataDirLock(dir).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(DataDirLockedError);
    expect((second as Error).message).toContain(dir);
    expect((second as Error).message).toContain(`process ${process.pid}`);
    expect((await readLockHolder(dir))?.pid).toBe(process.pid);

    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await readLockHolder(dir)).toBeUndefined();
    const again = await acquireDataDirLock(dir);
    await again.release();
  });

  it("takes over a lock whose process no longer runs", async () => {
    const dir = await freshFolder();
    await writeFile(join(dir, LOCK_FILE), lockOf(deadPid(), "1"));
    expect(await readLockHolder(dir)).toBeUndefined();
    const lock = await acquireDataDirLock(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("takes over a lock naming a live PID that started at another time (the PID was reused)", async () => {
    const dir = await freshFolder();
    await writeFile(join(dir, LOCK_FILE), lockOf(process.pid, "1"));
    const lock = await acquireDataDirLock(dir);
    await lock.release();
  });

  it("takes over a lock file that is not a lock (garbage)", async () => {
    const dir = await freshFolder();
    await writeFile(join(dir, LOCK_FILE), "not json");
    const lock = await acquireDataDirLock(dir);
    await lock.release();
  });

  it("release leaves a lock that another process has since taken alone", async () => {
    const dir = await freshFolder();
    const lock = await acquireDataDirLock(dir);
    const other = lockOf(process.ppid, null);
    await writeFile(join(dir, LOCK_FILE), other);
    await lock.release();
    expect(await readFile(join(dir, LOCK_FILE), "utf8")).toBe(other);
  });

  it("lets exactly one of many racing acquisitions win, on a free folder or over a stale lock", async () => {
    const dead = deadPid();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.boolean(), async (racers, stale) => {
        const dir = await freshFolder();
        if (stale) await writeFile(join(dir, LOCK_FILE), lockOf(dead, "1"));
        const results = await Promise.allSettled(
          Array.from({ length: racers }, () => acquireDataDirLock(dir)),
        );
        const won = results.filter((result) => result.status === "fulfilled");
        const lost = results.filter((result) => result.status === "rejected");
        expect(won).toHaveLength(1);
        for (const result of lost) expect(result.reason).toBeInstanceOf(DataDirLockedError);
        for (const result of won) await result.value.release();
        expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      }),
      { numRuns: 25 },
    );
  });
});
