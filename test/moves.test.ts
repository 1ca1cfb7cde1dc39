import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase } from "../src/db/connect.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { importEvents } from "../src/event-log/import-events.js";
import { readLogId } from "../src/event-log/log-id.js";
import { parseEventInput } from "../src/events/index.js";
import { DEMO_EVENTS_FILE } from "./support/fixtures.js";
import {
  type PrivateCluster,
  postgresOwnedTempDir,
  privateClusterUnavailable,
  runPgBinary,
  startPrivateCluster,
} from "./support/private-cluster.js";
import { runCli, type Spawned } from "./support/spawn-service.js";
import { openSse, until } from "./support/sse-client.js";
import { readViews, readWholeLog, startInstance, waitForViews } from "./support/stackledger-instance.js";

const unavailable = privateClusterUnavailable();
if (unavailable)
  console.warn(`skipped: backups, restores and moves need PostgreSQL binaries: ${unavailable}`);

/** Extra events beyond the demo data, appended by concurrent writers (so commits land out of position order). */
const BULK = 600;

let source: PrivateCluster;
let target: PrivateCluster;
let scratch: string;
let sourceUrl: string;
/** The source log as the API served it before any move. */
let history: Record<string, unknown>[];
let views: Record<string, unknown>;
/** A cursor a reader got from the source, in the middle of the log. */
let midCursor: string;
let exportFile: string;

async function finished(spawned: Spawned): Promise<{ code: number | null; output: string }> {
  const code = await spawned.exited;
  return { code, output: spawned.output() };
}

/** Advances a cluster's transaction counter: a thousand short transactions per round trip. */
async function burnXids(url: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    for (let left = count; left > 0; left -= 1000) {
      await client.query("begin; select pg_current_xact_id(); commit; ".repeat(Math.min(1000, left)));
    }
  } finally {
    await client.end();
  }
}

async function nextXid(cluster: PrivateCluster, database = "postgres"): Promise<bigint> {
  const rows = await cluster.sql<{ x: string }>(
    "select pg_snapshot_xmax(pg_current_snapshot())::text as x",
    database,
  );
  return BigInt(rows[0]?.x ?? "0");
}

async function count(cluster: PrivateCluster, database: string): Promise<number> {
  const rows = await cluster
    .sql<{ n: number }>("select count(*)::int as n from events", database)
    .catch(() => []);
  return rows[0]?.n ?? 0;
}

async function dumpSource(): Promise<string> {
  const file = join(scratch, `dump-${Date.now()}.pgdump`);
  await runPgBinary("pg_dump", ["-Fc", "-d", sourceUrl, "-f", file]);
  return file;
}

async function restoreInto(cluster: PrivateCluster, database: string, dump: string): Promise<string> {
  await cluster.sql(`create database ${database}`);
  await runPgBinary("pg_restore", ["--no-owner", "-d", cluster.url(database), dump]);
  return cluster.url(database);
}

describe.skipIf(unavailable)("backups, restores and moves between PostgreSQL clusters", () => {
  beforeAll(async () => {
    scratch = await postgresOwnedTempDir("sl-moves-");
    [source, target] = await Promise.all([startPrivateCluster(), startPrivateCluster()]);
    await source.sql("create database sl");
    sourceUrl = source.url("sl");
    // An older cluster than the target: its ids are far above a fresh cluster's.
    await burnXids(sourceUrl, 30_000);
    const handle = await connectDatabase({ url: sourceUrl, poolSize: 8 });
    try {
      await migrateToLatest(handle.db);
      const logId = await readLogId(handle.db);
      await importEvents(handle.db, DEMO_EVENTS_FILE, { logId, actor: "demo-data" });
      const writers = Array.from({ length: 8 }, async (_, writer) => {
        for (let i = writer; i < BULK; i += 8) {
          const parsed = parseEventInput({
            type: "CompanyRegistered",
            data: { companyId: `bulk-${i}`, name: `Bulk ${i}`, kind: "company" },
          });
          if (!parsed.success) throw new Error("bad fixture");
          await appendEvents(handle.db, [parsed.event as never], { logId, actor: `writer-${writer}` });
        }
      });
      await Promise.all(writers);
    } finally {
      await handle.close();
    }
    const instance = await startInstance({ url: sourceUrl });
    try {
      await waitForViews(instance);
      history = await readWholeLog(instance);
      views = await readViews(instance);
      const page = (await (await instance.request("/v1/events?limit=100")).json()) as { next: string };
      midCursor = page.next;
    } finally {
      await instance.close();
    }
    exportFile = join(scratch, "source.ndjson");
    const exported = await finished(runCli(["export", "--database-url", sourceUrl, "--output", exportFile]));
    expect(exported.code, exported.output).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([source?.destroy(), target?.destroy()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("a logical restore into a younger cluster is refused, then `repair` serves the whole log in its order", async () => {
    expect(history.length).toBe(63 + BULK);
    const url = await restoreInto(target, "restored", await dumpSource());

    const refused = await startInstance({ url });
    try {
      expect(refused.banner).toMatch(/REFUSING TO SERVE THE LOG: the log is ahead of its cluster/);
      expect((await refused.request("/ready")).status).toBe(503);
      const read = await refused.request("/v1/events");
      expect(read.status).toBe(503);
      const body = (await read.json()) as Record<string, unknown>;
      expect(body.type).toMatch(/\/log-ahead-of-cluster$/);
      expect(BigInt(String(body.highestStoredXid))).toBeGreaterThanOrEqual(
        BigInt(String(body.clusterNextXid)),
      );
      expect(String(body.detail)).toMatch(/stackledger repair.*export.*import/s);
      const append = await refused.request("/v1/events", {
        method: "POST",
        json: {
          type: "CompanyRegistered",
          data: { companyId: "too-early", name: "Too early", kind: "company" },
        },
      });
      expect(append.status).toBe(503);
      expect((await refused.request("/v1/views/layers")).status).toBe(503);
    } finally {
      await refused.close();
    }

    const repaired = await finished(runCli(["repair", "--database-url", url]));
    expect(repaired.code, repaired.output).toBe(0);
    expect(repaired.output).toMatch(/repaired in .* 663 events/);
    const again = await finished(runCli(["repair", "--database-url", url]));
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/nothing to repair/);

    const served = await startInstance({ url });
    try {
      expect(served.banner).not.toMatch(/REFUSING/);
      expect((await served.request("/ready")).status).toBe(200);
      const log = await readWholeLog(served);
      expect(log.map((e) => e.id)).toEqual(history.map((e) => e.id));
      expect(log.map((e) => e.recordedAt)).toEqual(history.map((e) => e.recordedAt));
      // A cursor from before the move cannot be served: the client re-syncs instead of missing events.
      expect((await served.request(`/v1/events?after=${midCursor}`)).status).toBe(410);
      await waitForViews(served);
      expect(await readViews(served)).toEqual(views);

      const subscriber = openSse(`${served.server.url}/v1/feed/events?after=start`);
      try {
        await until(() => subscriber.received.some((r) => r.type === "caught-up"), "caught-up", 30_000);
        const append = await served.request("/v1/events", {
          method: "POST",
          json: {
            type: "CompanyRegistered",
            data: { companyId: "after-move", name: "After", kind: "company" },
          },
        });
        expect(append.status).toBe(201);
        await until(
          () => subscriber.items().some((r) => r.data.data?.companyId === "after-move"),
          "new event",
        );
        const delivered = subscriber.items().map((r) => r.data.id);
        expect(delivered.slice(0, history.length)).toEqual(history.map((e) => e.id));
        expect(delivered.length).toBe(history.length + 1);
      } finally {
        subscriber.close();
      }
    } finally {
      await served.close();
    }
  }, 180_000);

  it("export → import into another cluster gives the same log and views, also after a kill half-way", async () => {
    const url = target.url("imported");
    await target.sql("create database imported");
    const first = runCli(["import", exportFile, "--database-url", url, "--batch-size", "5"]);
    // Killed once some batches are in, long before the end.
    for (let seen = 0; seen < 50; seen = await count(target, "imported")) {
      if (first.child.exitCode !== null) throw new Error(`import ended before the kill:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    first.child.kill("SIGKILL");
    await first.exited;
    const partial = await count(target, "imported");
    expect(partial).toBeLessThan(history.length);

    const rerun = await finished(runCli(["import", exportFile, "--database-url", url]));
    expect(rerun.code, rerun.output).toBe(0);
    expect(rerun.output).toMatch(
      new RegExp(`appended ${history.length - partial}, already present ${partial}`),
    );
    const exportedAgain = join(scratch, "imported.ndjson");
    const second = await finished(runCli(["export", "--database-url", url, "--output", exportedAgain]));
    expect(second.code, second.output).toBe(0);
    // Byte for byte: ids, order, recordedAt (to the microsecond), actors, data, metadata.
    expect(await readFile(exportedAgain, "utf8")).toBe(await readFile(exportFile, "utf8"));

    const instance = await startInstance({ url });
    try {
      const log = await readWholeLog(instance);
      expect(log.map((e) => [e.id, e.streamVersion, e.recordedAt])).toEqual(
        history.map((e) => [e.id, e.streamVersion, e.recordedAt]),
      );
      await waitForViews(instance);
      expect(await readViews(instance)).toEqual(views);
    } finally {
      await instance.close();
    }
  }, 180_000);

  it("the importer waits out a database restart and finishes with the same ids", async () => {
    const url = target.url("outage");
    await target.sql("create database outage");
    const run = runCli(["import", exportFile, "--database-url", url, "--batch-size", "5"]);
    for (let seen = 0; seen < 50; seen = await count(target, "outage")) {
      if (run.child.exitCode !== null) throw new Error(`import ended before the outage:\n${run.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await target.stop("fast");
    await target.start();
    const result = await finished(run);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/retrying/);
    const again = join(scratch, "outage.ndjson");
    expect((await finished(runCli(["export", "--database-url", url, "--output", again]))).code).toBe(0);
    expect(await readFile(again, "utf8")).toBe(await readFile(exportFile, "utf8"));
  }, 180_000);

  it("moves both ways between the embedded database and a server (export/import), nothing changed", async () => {
    const dataDir = join(tmpdir(), `sl-embedded-${Date.now()}`);
    try {
      const down = await finished(runCli(["import", exportFile, "--data-dir", dataDir]));
      expect(down.code, down.output).toBe(0);
      const fromEmbedded = join(scratch, "embedded.ndjson");
      expect((await finished(runCli(["export", "--data-dir", dataDir, "--output", fromEmbedded]))).code).toBe(
        0,
      );
      expect(await readFile(fromEmbedded, "utf8")).toBe(await readFile(exportFile, "utf8"));

      const embedded = await startInstance({ dataDir });
      try {
        await waitForViews(embedded);
        expect(await readViews(embedded)).toEqual(views);
      } finally {
        await embedded.close();
      }

      await target.sql("create database from_embedded");
      const url = target.url("from_embedded");
      const up = await finished(runCli(["import", fromEmbedded, "--database-url", url]));
      expect(up.code, up.output).toBe(0);
      const back = join(scratch, "back.ndjson");
      expect((await finished(runCli(["export", "--database-url", url, "--output", back]))).code).toBe(0);
      expect(await readFile(back, "utf8")).toBe(await readFile(exportFile, "utf8"));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("pg_basebackup of the running cluster, started as another cluster: log, cursors and views unchanged", async () => {
    const backup = join(await postgresOwnedTempDir("sl-basebackup-"), "data");
    await runPgBinary("pg_basebackup", ["-d", source.url(), "-D", backup, "-X", "stream", "-c", "fast"]);
    const copy = await startPrivateCluster({ fromDataDir: backup });
    try {
      const instance = await startInstance({ url: copy.url("sl") });
      try {
        expect(instance.banner).not.toMatch(/REFUSING/);
        expect((await instance.request("/ready")).status).toBe(200);
        expect((await readWholeLog(instance)).map((e) => e.cursor)).toEqual(history.map((e) => e.cursor));
        // A reader's cursor from the original resumes on the copy.
        const page = (await (await instance.request(`/v1/events?after=${midCursor}&limit=1000`)).json()) as {
          events: { id: string }[];
        };
        expect(page.events.map((e) => e.id)).toEqual(history.slice(100).map((e) => e.id));
        await waitForViews(instance);
        expect(await readViews(instance)).toEqual(views);
        const append = await instance.request("/v1/events", {
          method: "POST",
          json: {
            type: "CompanyRegistered",
            data: { companyId: "on-copy", name: "On copy", kind: "company" },
          },
        });
        expect(append.status).toBe(201);
        const log = await readWholeLog(instance);
        expect(log.map((e) => e.id).slice(0, history.length)).toEqual(history.map((e) => e.id));
        expect((log[history.length]?.data as { companyId?: string } | undefined)?.companyId).toBe("on-copy");
      } finally {
        await instance.close();
      }
    } finally {
      await copy.destroy();
    }
  }, 180_000);

  it("a logical restore into a cluster already ahead is served as it is, and `repair` refuses", async () => {
    const highest = await source.sql<{ x: string }>("select max(xid)::text as x from events", "sl");
    const needed = BigInt(highest[0]?.x ?? "0") + 100n - (await nextXid(target));
    if (needed > 0n) await burnXids(target.url(), Number(needed));
    const url = await restoreInto(target, "ahead", await dumpSource());
    const instance = await startInstance({ url });
    try {
      expect(instance.banner).not.toMatch(/REFUSING/);
      expect((await instance.request("/ready")).status).toBe(200);
      expect((await readWholeLog(instance)).map((e) => e.id)).toEqual(history.map((e) => e.id));
    } finally {
      await instance.close();
    }
    const repair = await finished(runCli(["repair", "--database-url", url]));
    expect(repair.code).toBe(1);
    expect(repair.output).toMatch(/repair refused: nothing to repair/);
  }, 180_000);
});
