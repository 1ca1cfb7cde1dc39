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
import { readWholeLogHolding } from "./support/read-whole-log.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";
import { openSse, type SseClient, until } from "./support/sse-client.js";

/**
 * Failover for real: a primary with a synchronous standby (pg_basebackup -R), a server process given both
 * hosts (`target_session_attrs=read-write`), appends and subscribers running while the primary crashes and
 * the standby is promoted.
 */
const unavailable = privateClusterUnavailable();
if (unavailable) console.warn(`skipped: failover tests need PostgreSQL server binaries (${unavailable})`);

const TOKEN = "failover-token";
const DATABASE = "stackledger";
let primary: PrivateCluster | undefined;
let standby: PrivateCluster | undefined;
let server: Spawned | undefined;
let url = "";
let backupRoot: string | undefined;

beforeAll(async () => {
  if (unavailable) return;
  primary = await startPrivateCluster({ settings: ["synchronous_commit = on"] });
  await primary.sql(`create database ${DATABASE}`);
  backupRoot = await postgresOwnedTempDir("sl-standby-");
  const standbyData = join(backupRoot, "data");
  await runPgBinary("pg_basebackup", [
    "-h",
    "127.0.0.1",
    "-p",
    String(primary.port),
    "-U",
    "postgres",
    "-D",
    standbyData,
    "-R",
    "-X",
    "stream",
    "--no-sync",
    "--checkpoint=fast",
  ]);
  standby = await startPrivateCluster({ fromDataDir: standbyData });
  // Synchronous from here on: a commit is acknowledged only once the standby has it.
  await primary.sql("alter system set synchronous_standby_names = '*'");
  await primary.sql("select pg_reload_conf()");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await primary.sql<{ sync_state: string }>("select sync_state from pg_stat_replication");
    if (rows.some((row) => row.sync_state === "sync")) break;
    if (Date.now() > deadline) throw new Error("the standby never became synchronous");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const hosts = `127.0.0.1:${primary.port},127.0.0.1:${standby.port}`;
  server = runCli(["serve", "--port", "0"], {
    DATABASE_URL: `postgres://postgres@${hosts}/${DATABASE}?target_session_attrs=read-write`,
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
  await standby?.destroy();
  if (backupRoot) await rm(backupRoot, { recursive: true, force: true });
});

describe.skipIf(unavailable)("failover to a synchronous standby", () => {
  it("keeps every acknowledged event, appends after the history and resumes subscribers without a gap or a repeat", async () => {
    const acknowledged: string[] = [];
    const unexpected: string[] = [];
    let lastSuccessAt = 0;
    const subscribers: SseClient[] = [];
    for (let i = 0; i < 2; i += 1) subscribers.push(openSse(`${url}/v1/feed/events?after=start`));

    let writing = true;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let n = 0; writing; n += 1) {
        const body = JSON.stringify({ id: randomUUID(), ...companyRegistered(`w${w}-c${n}`) });
        for (;;) {
          const response = await fetch(`${url}/v1/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body,
          }).catch((error: Error) => error);
          if (response instanceof Error) {
            unexpected.push(`network: ${response.message}`);
            return;
          }
          const text = await response.text();
          if (response.status === 201 || response.status === 200) {
            acknowledged.push(JSON.parse(body).id);
            lastSuccessAt = Date.now();
            break;
          }
          if (response.status !== 503) {
            unexpected.push(`${response.status}: ${text.slice(0, 300)}`);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });

    await until(() => acknowledged.length >= 40, "appends before the crash", 30_000);
    const beforeCrash = acknowledged.length;
    await primary!.stop("immediate");
    const crashedAt = Date.now();
    await runPgBinary("pg_ctl", ["-D", standby!.dataDir, "-w", "promote"]);
    await until(() => lastSuccessAt > crashedAt, "the first append on the promoted standby", 60_000);
    const failoverSeconds = (lastSuccessAt - crashedAt) / 1000;
    await until(() => acknowledged.length >= beforeCrash + 40, "appends after the failover", 30_000);
    writing = false;
    await Promise.all(writers);
    console.log(
      `failover: first acknowledged append ${failoverSeconds.toFixed(2)} s after the crash; ${acknowledged.length} acknowledged`,
    );

    expect(unexpected).toEqual([]);
    expect(server!.child.exitCode).toBeNull();
    const log = await readWholeLogHolding(url, acknowledged);
    const ids = log.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = new Set(ids);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // Appends after the failover sort after the whole history.
    expect(ids.slice(-5).every((id) => acknowledged.slice(-40).includes(id))).toBe(true);

    await until(
      () => subscribers.every((s) => s.items().length >= ids.length),
      "subscribers at the head",
      30_000,
    );
    for (const subscriber of subscribers) {
      expect(subscriber.items().map((item) => item.data.id)).toEqual(ids);
      subscriber.close();
    }
  }, 180_000);
});
