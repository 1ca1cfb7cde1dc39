/**
 * Issue 13's snapshot figures, outside the full projections suite (which takes far longer): loads a
 * synthetic log of EVENTS events (the suite's mix: 1 company per 200 events, 1 deal per 5), builds the four
 * projections, then measures snapshot size and the time to write and load one, the first asOf and knownAt
 * fold of a fresh API process, and a projector's restart, each without and with snapshots.
 *
 *   npx tsx bench/snapshot-figures.ts 100000
 */
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { PROJECTIONS } from "../projections/index.js";
import { DEAL_RECORDS_STATE_CODEC, DOMAIN_STATE_CODEC, type StateCodec } from "../src/domain/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import type { LogPosition } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { foldLog } from "../src/projector/fold-log.js";
import { encodeSnapshot, loadSnapshot, writeSnapshot } from "../src/projector/snapshot-store.js";
import { createViewReader } from "../src/projector/view-reader.js";
import { type BenchDatabase, withBenchDatabase } from "./lib/database.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const EVENTS = Number(process.argv[2] ?? 100_000);
const COMPANIES = Math.max(10, Math.round(EVENTS / 200));
const DEALS = Math.round(EVENTS / 5);
const quiet = () => {};
const ms = (started: number) => Math.round(performance.now() - started);
const figures: Record<string, unknown> = { events: EVENTS, companies: COMPANIES, deals: DEALS };
const say = (key: string, value: unknown) => {
  figures[key] = value;
  console.log(`${key}: ${typeof value === "object" ? JSON.stringify(value) : value}`);
};

async function load(bench: BenchDatabase, generator: SyntheticLog, count: number) {
  for (let done = 0; done < count; ) {
    const batch = generator.nextBatch(Math.min(1000, count - done));
    done += batch.length;
    await appendEvents(
      bench.handle.db,
      batch.filter((e) => e.type !== "DealCorrected"),
      { logId: bench.logId, actor: "bench" },
    );
    const corrections = batch.filter((e) => e.type === "DealCorrected");
    if (corrections.length > 0)
      await appendEvents(bench.handle.db, corrections, { logId: bench.logId, actor: "bench" });
  }
}

async function head(bench: BenchDatabase): Promise<LogPosition> {
  const row = await sql<{ xid: string; position: string }>`
    select xid::text as xid, position from events order by events.xid desc, events.position desc limit 1`.execute(
    bench.handle.db,
  );
  return { xid: row.rows[0]!.xid, position: Number(row.rows[0]!.position) };
}

async function untilLive(bench: BenchDatabase, at: LogPosition) {
  for (;;) {
    let all = true;
    for (const p of PROJECTIONS) {
      const build = await readLiveBuild(bench.handle.db, p.name);
      if (build?.status !== "live" || build.cursor.position < at.position) all = false;
    }
    if (all) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A projector's start to every projection caught up with one event appended while it was down. */
async function restart(bench: BenchDatabase, generator: SyntheticLog, snapshots: boolean) {
  await load(bench, generator, 1);
  const at = await head(bench);
  const started = performance.now();
  const projector = createProjector({
    db: bench.handle.db,
    logId: bench.logId,
    projections: PROJECTIONS,
    databaseUrl: bench.url,
    pollMs: 50,
    log: quiet,
    snapshots: snapshots ? { everyEvents: 100_000, everyMinutes: 10 } : { everyEvents: 0, everyMinutes: 0 },
  });
  await untilLive(bench, at);
  const elapsed = ms(started);
  await projector.stop();
  return elapsed;
}

/** A fresh API process's first asOf (head) and knownAt (half-way) folds, with the view computed. */
async function firstRequests(bench: BenchDatabase, knownAt: LogPosition) {
  const out: Record<string, number> = {};
  for (const name of ["layer-ownership", "deal-records"]) {
    const reader = createViewReader({
      db: bench.handle.db,
      logId: bench.logId,
      projections: PROJECTIONS as never,
    });
    const definition = reader.definition(name);
    let started = performance.now();
    const head = await reader.folded(name);
    out[`${name} asOf fold`] = ms(started);
    definition.rows(head.state, "2026-06-01");
    out[`${name} asOf total`] = ms(started);
    started = performance.now();
    const past = await reader.folded(name, knownAt);
    out[`${name} knownAt fold`] = ms(started);
    definition.rows(past.state, "2026-06-01");
    out[`${name} knownAt total`] = ms(started);
  }
  return out;
}

await withBenchDatabase(10, async (bench) => {
  const generator = new SyntheticLog({ events: EVENTS, companies: COMPANIES, deals: DEALS, seed: 42 });
  let started = performance.now();
  await load(bench, generator, EVENTS);
  say("load s", ms(started) / 1000);
  await sql`analyze`.execute(bench.handle.db);

  started = performance.now();
  let read = 0;
  for (let after = { xid: "0", position: 0 }; ; ) {
    const page = await readAll(bench.handle.db, bench.logId, { after, limit: 5000 });
    read += page.events.length;
    if (page.end) break;
    after = page.events.at(-1)!.at;
  }
  say("read whole log ms", ms(started));

  // The projections, built without snapshots (the "before").
  started = performance.now();
  const projector = createProjector({
    db: bench.handle.db,
    logId: bench.logId,
    projections: PROJECTIONS,
    databaseUrl: bench.url,
    pollMs: 50,
    log: quiet,
    snapshots: { everyEvents: 0, everyMinutes: 0 },
  });
  await untilLive(bench, await head(bench));
  say("rebuild 4 projections ms", ms(started));
  await projector.stop();

  const half = (
    await readAll(bench.handle.db, bench.logId, {
      after: { xid: "0", position: 0 },
      limit: Math.floor(read / 2),
    })
  ).events.at(-1)!.at;
  say("before: projector restart ms", await restart(bench, generator, false));
  say("before: first requests ms", await firstRequests(bench, half));

  // Snapshots: one at 45% of the log (for knowledge points), one at the head, per fold kind.
  const sizes: Record<string, unknown> = {};
  for (const [codec, definition] of [
    [DOMAIN_STATE_CODEC, PROJECTIONS[0]],
    [DEAL_RECORDS_STATE_CODEC, PROJECTIONS[3]],
  ] as [StateCodec<unknown>, ProjectionDefinition<unknown>][]) {
    const early = (
      await readAll(bench.handle.db, bench.logId, {
        after: { xid: "0", position: 0 },
        limit: Math.floor(read * 0.45),
      })
    ).events.at(-1)!.at;
    await writeSnapshot(
      bench.handle.db,
      await encodeSnapshot(codec, await foldLog(bench.handle.db, bench.logId, definition, { until: early })),
    );
    started = performance.now();
    const folded = await foldLog(bench.handle.db, bench.logId, definition);
    const foldMs = ms(started);
    started = performance.now();
    const encoded = await encodeSnapshot(codec, folded);
    const encodeMs = ms(started);
    started = performance.now();
    const info = await writeSnapshot(bench.handle.db, encoded);
    const writeMs = ms(started);
    // Interleaved, medians of 3: the machine is shared and its load moves a lot.
    const folds: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      started = performance.now();
      await foldLog(bench.handle.db, bench.logId, definition);
      folds.push(ms(started));
      started = performance.now();
      await loadSnapshot(bench.handle.db, codec);
      loads.push(ms(started));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
    const loadMs = median(loads);
    const foldMedianMs = median(folds);
    const memoryBefore = process.memoryUsage().heapUsed;
    sizes[codec.kind] = {
      foldFromScratchMs: foldMedianMs,
      firstFoldMs: foldMs,
      encodeMs,
      gzipAndWriteMs: writeMs,
      loadMs,
      textBytes: encoded.textBytes,
      gzipBytes: info.byteSize,
      gzipBytesPerDeal: Math.round((info.byteSize / DEALS) * 10) / 10,
      gzipBytesPerCompany: Math.round((info.byteSize / COMPANIES) * 10) / 10,
      heapUsedMiB: Math.round(memoryBefore / 2 ** 20),
    };
  }
  say("snapshots", sizes);
  say("after: projector restart ms", await restart(bench, generator, true));
  say("after: first requests ms", await firstRequests(bench, half));
});
console.log(JSON.stringify(figures));
