import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companyRegistered } from "./support/fixtures.js";
import {
  type PrivateCluster,
  postgresOwnedTempDir,
  privateClusterUnavailable,
  runPgBinary,
  startPrivateCluster,
} from "./support/private-cluster.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";
import { openSse, until } from "./support/sse-client.js";

/** DATABASE_READ_URL: a hot standby serves reads; while it is away, reads fall back to the primary. */
const unavailable = privateClusterUnavailable();
if (unavailable) console.warn(`skipped: read replica tests need PostgreSQL server binaries (${unavailable})`);

const TOKEN = "replica-token";
const DATABASE = "stackledger";
let primary: PrivateCluster | undefined;
let replica: PrivateCluster | undefined;
let backupRoot: string | undefined;
let server: Spawned | undefined;
let url = "";

beforeAll(async () => {
  if (unavailable) return;
  primary = await startPrivateCluster();
  await primary.sql(`create database ${DATABASE}`);
  backupRoot = await postgresOwnedTempDir("sl-replica-");
  const data = join(backupRoot, "data");
  await runPgBinary("pg_basebackup", [
    ...["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", data],
    ...["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
  ]);
  replica = await startPrivateCluster({ fromDataDir: data });
  server = runCli(["serve", "--port", "0"], {
    DATABASE_URL: primary.url(DATABASE),
    DATABASE_READ_URL: replica.url(DATABASE),
    STACKLEDGER_TOKENS: `${TOKEN}=append+admin`,
    STACKLEDGER_DB_TIMEOUT_MS: "2000",
  });
  url = (await waitForOutput(server, /listening on (http:\/\/\S+)/))[1]!;
}, 120_000);

afterAll(async () => {
  server?.child.kill("SIGTERM");
  await Promise.race([server?.exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  server?.child.kill("SIGKILL");
  await primary?.destroy();
  await replica?.destroy();
  if (backupRoot) await rm(backupRoot, { recursive: true, force: true });
});

async function append(companyId: string): Promise<string> {
  const id = randomUUID();
  for (;;) {
    const response = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ id, ...companyRegistered(companyId) }),
    });
    if (response.status === 201) return id;
    expect(response.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function logIds(): Promise<string[]> {
  const body = (await (await fetch(`${url}/v1/events?limit=1000`)).json()) as { events: { id: string }[] };
  return body.events.map((event) => event.id);
}

describe.skipIf(unavailable)("a read replica", () => {
  it("serves reads from the replica, falls back to the primary while it is away, and no subscriber misses or repeats an event", async () => {
    const subscriber = openSse(`${url}/v1/feed/events?after=start`);
    const appended: string[] = [];
    for (let i = 0; i < 10; i += 1) appended.push(await append(`before-${i}`));
    await until(() => subscriber.items().length >= 10, "the feed from the replica", 20_000);

    // Reads come from the replica: with its replay paused, a new event is not readable through the API.
    await replica!.sql("select pg_wal_replay_pause()", DATABASE);
    try {
      appended.push(await append("while-paused"));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await logIds()).not.toContain(appended.at(-1));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/stackledger_replica_lag_bytes \d/);
      const projections = (await (await fetch(`${url}/v1/projections`)).json()) as {
        replica?: { state: string; lagSeconds: number | null };
      }[];
      expect(projections[0]?.replica).toMatchObject({ state: "replica" });
    } finally {
      await replica!.sql("select pg_wal_replay_resume()", DATABASE);
    }
    await until(() => subscriber.items().length >= 11, "the paused event after replay resumes", 20_000);
    expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: "ready", replica: "replica" });

    // The replica goes away: reads and the feed go on from the primary, and /ready says so.
    await replica!.stop("fast");
    for (let i = 0; i < 10; i += 1) appended.push(await append(`without-replica-${i}`));
    const ids = await pollUntil(logIds, (read) => read.length === appended.length, 20_000);
    expect(ids.sort()).toEqual([...appended].sort());
    expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: "ready", replica: "fallback" });
    await until(() => subscriber.items().length >= appended.length, "the feed from the primary", 20_000);

    // It comes back: reads return to it once it has caught up.
    await replica!.start();
    for (let i = 0; i < 5; i += 1) appended.push(await append(`after-${i}`));
    await until(
      () => subscriber.items().length >= appended.length,
      "the feed after the replica returns",
      30_000,
    );
    const ready = await pollUntil(
      async () => (await (await fetch(`${url}/ready`)).json()) as { replica?: string },
      (body) => body.replica === "replica",
      30_000,
    );
    expect(ready.replica).toBe("replica");

    const log = await logIds();
    expect([...log].sort()).toEqual([...appended].sort());
    // Exactly once, in log order, across both switches.
    expect(subscriber.items().map((item) => item.data.id as string)).toEqual(log);
    subscriber.close();
    expect(server!.child.exitCode).toBeNull();
  }, 180_000);
});

async function pollUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
