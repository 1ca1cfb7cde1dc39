/**
 * Checks the COPY loader (bench/lib/copy-log.ts) against appendEvents: the same synthetic log (same seed,
 * same load order) is written into two fresh databases, one through `appendEvents`, one with COPY, then
 *
 * 1. both logs are read back through `readAll` (pages of 5000): every event must match in order, id, type,
 *    stream, version, position, data and metadata, and the batches must fall into the same transactions
 *    (the n-th distinct xid of one log covers the same positions as the n-th of the other);
 * 2. the raw rows must match too (actor, schema_version, data as stored text, one request id per batch);
 * 3. `stackledger project` builds the four projections over each log, and every live read-model table
 *    must hold the same rows (key, sort key, body; only a body's `…RecordedAt` times, which are the
 *    load's own clock, are left out).
 *
 *   npx tsx bench/check-copy-load.ts [events, default 20000]
 *
 * Exits with status 1 and the first differences when anything differs.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { PROJECTIONS } from "../projections/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { readAll } from "../src/event-log/read-all.js";
import type { StoredEvent } from "../src/event-log/stored-event.js";
import { openCopyLoader } from "./lib/copy-log.js";
import { type BenchDatabase, withBenchDatabase } from "./lib/database.js";
import { ACTOR } from "./lib/events.js";
import { liveBuilds, logHead, waitUntilLive } from "./lib/live-builds.js";
import { type LoadStats, loadBatches } from "./lib/load-order.js";
import { startProjectorProcess } from "./lib/projector-process.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const EVENTS = Number(process.argv[2] ?? 20_000);
const SEED = 20_260_322;
const generator = () =>
  new SyntheticLog({
    events: EVENTS,
    companies: Math.max(50, Math.round(EVENTS / 200)),
    deals: EVENTS / 5,
    seed: SEED,
  });
const stats = (): LoadStats => ({ generated: 0, validated: 0, generateMs: 0 });
const differences: string[] = [];
const differ = (what: string) => {
  if (differences.length < 20) differences.push(what);
};

async function readWholeLog(bench: BenchDatabase): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let after = { xid: "0", position: 0 }; ; ) {
    const page = await readAll(bench.handle.db, bench.logId, { after, limit: 5000 });
    all.push(...page.events);
    if (page.end) return all;
    after = page.events.at(-1)!.at;
  }
}

/** Each event's transaction as the rank of its xid among the log's xids (the xids themselves differ). */
function transactionRanks(events: readonly StoredEvent[]): number[] {
  const ranks: number[] = [];
  let rank = 0;
  let previous: string | undefined;
  for (const event of events) {
    if (event.at.xid !== previous) rank += 1;
    previous = event.at.xid;
    ranks.push(rank);
  }
  return ranks;
}

function compareLogs(appended: readonly StoredEvent[], copied: readonly StoredEvent[]) {
  if (appended.length !== copied.length)
    differ(`readAll: ${appended.length} events appended, ${copied.length} copied`);
  const a = transactionRanks(appended);
  const c = transactionRanks(copied);
  for (let i = 0; i < Math.min(appended.length, copied.length); i++) {
    const x = appended[i]!;
    const y = copied[i]!;
    const fields = ["id", "type", "streamId", "streamVersion", "position"] as const;
    for (const field of fields) {
      if (x[field] !== y[field])
        differ(`event ${i}: ${field} ${x[field]} (appended) vs ${y[field]} (copied)`);
    }
    if (!isDeepStrictEqual(x.data, y.data) || JSON.stringify(x.data) !== JSON.stringify(y.data))
      differ(`event ${i}: data differs`);
    if (!isDeepStrictEqual(x.metadata, y.metadata)) differ(`event ${i}: metadata differs`);
    if (a[i] !== c[i]) differ(`event ${i}: transaction ${a[i]} (appended) vs ${c[i]} (copied)`);
  }
}

const RAW = `select position, event_id, stream_id, stream_version, type, schema_version, data::text as data,
       metadata::text as metadata, actor
  from events order by position`;
/** One request id per transaction, and the other way round. */
const BATCHES = `select count(distinct xid) as xids, count(distinct request_id) as requests,
       count(distinct (xid::text, request_id)) as pairs
  from events`;

async function compareRawRows(appended: BenchDatabase, copied: BenchDatabase) {
  const [x, y] = await Promise.all([appended.handle.pool!.query(RAW), copied.handle.pool!.query(RAW)]);
  for (const bench of [appended, copied]) {
    const { rows } = await bench.handle.pool!.query<{ xids: string; requests: string; pairs: string }>(
      BATCHES,
    );
    const { xids, requests, pairs } = rows[0]!;
    if (xids !== requests || xids !== pairs) differ(`${bench.name}: not one request id per transaction`);
  }
  for (let i = 0; i < Math.max(x.rows.length, y.rows.length); i++) {
    const rowA = x.rows[i];
    const rowB = y.rows[i];
    if (!isDeepStrictEqual(rowA, rowB))
      differ(`events row ${i}: ${JSON.stringify(rowA)} (appended) vs ${JSON.stringify(rowB)} (copied)`);
  }
}

/**
 * The moments events were recorded (`recorded_at`, the load's own clock) differ between two loads by
 * design; a body's `…RecordedAt` fields are left out of the comparison, everything else must be equal.
 */
const withoutRecordingTimes = (key: string, value: unknown) =>
  key === "recordedAt" || key.endsWith("RecordedAt") ? undefined : value;

async function buildViews(bench: BenchDatabase): Promise<Map<string, unknown[]>> {
  const projector = startProjectorProcess({ DATABASE_URL: bench.url });
  try {
    const names = PROJECTIONS.map((p) => p.name);
    const builds = await waitUntilLive(
      bench.handle.pool!,
      names,
      await logHead(bench.handle.pool!),
      projector,
    );
    const tables = new Map<string, unknown[]>();
    for (const build of builds) {
      const { rows } = await bench.handle.pool!.query<{ key: string; sort_key: string; body: string }>(
        `select key, sort_key, body::text as body from ${build.table} order by key`,
      );
      tables.set(
        build.name,
        rows.map((row) => ({ ...row, body: JSON.parse(row.body, withoutRecordingTimes) as unknown })),
      );
    }
    return tables;
  } finally {
    await projector.stop();
  }
}

await withBenchDatabase(4, (appended) =>
  withBenchDatabase(4, async (copied) => {
    let started = performance.now();
    for (const batch of loadBatches(generator(), EVENTS, 1, stats())) {
      await appendEvents(appended.handle.db, batch, {
        logId: appended.logId,
        actor: ACTOR,
        requestId: randomUUID(),
      });
    }
    console.log(`appendEvents: ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    const loader = await openCopyLoader(copied.url, ACTOR);
    for (const batch of loadBatches(generator(), EVENTS, 1, stats())) await loader.append(batch);
    await loader.close();
    console.log(`COPY: ${EVENTS} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const [x, y] = [await readWholeLog(appended), await readWholeLog(copied)];
    compareLogs(x, y);
    await compareRawRows(appended, copied);
    console.log(
      `readAll and raw rows compared: ${x.length} events, ${new Set(x.map((e) => e.at.xid)).size} transactions`,
    );

    const [viewsA, viewsC] = [await buildViews(appended), await buildViews(copied)];
    for (const projection of PROJECTIONS) {
      const a = viewsA.get(projection.name) ?? [];
      const c = viewsC.get(projection.name) ?? [];
      if (!isDeepStrictEqual(a, c)) {
        const at = a.findIndex((row, i) => !isDeepStrictEqual(row, c[i]));
        differ(
          `${projection.name}: ${a.length} rows (appended) vs ${c.length} (copied), first difference at ${at}:\n${JSON.stringify(a[at])}\n${JSON.stringify(c[at])}`,
        );
      }
      console.log(`${projection.name}: ${a.length} read-model rows compared`);
    }
    const builds = await liveBuilds(copied.handle.pool!);
    if (builds.length !== PROJECTIONS.length) differ(`${builds.length} live builds over the copied log`);
  }),
);
if (differences.length > 0) {
  console.error(`the COPY loader's log differs from appendEvents':\n${differences.join("\n")}`);
  process.exitCode = 1;
} else {
  console.log(`same log and same views (${EVENTS} events)`);
}
