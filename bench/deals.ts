/**
 * The deal benchmarks (issue 12): `npx tsx bench/deals.ts [--quick]`.
 *
 * On one synthetic log (bench/lib/synthetic-log.ts, the projections suite's: 1M events and 200k deals; a
 * tenth with --quick): the rebuild of the three older projections alone, then of all four, in an in-process
 * projector (each projection's rate is its build's events / (finished − started)); then `stackledger serve`
 * as its own process (projector off, the read models left live by the second rebuild) answering, over HTTP,
 * sequential requests of the current deal list (one filter, three filters, a `q` search, the first and a
 * deep page), a deal page, and the CSV of every deal streamed while the API process's RSS is sampled.
 * Prints one JSON document; docs/benchmarks.md records the figures.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { PROJECTIONS } from "../projections/index.js";
import { connectDatabase } from "../src/db/connect.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { readLogId } from "../src/event-log/log-id.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { type BenchDatabase, databaseUrl, resetProjections, withBenchDatabase } from "./lib/database.js";
import { ACTOR } from "./lib/events.js";
import { sampleProcess } from "./lib/process-stats.js";
import { startServerProcess } from "./lib/server-process.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    // An already loaded bench database (left by an interrupted run): no load, and only deal-records rebuilt.
    database: { type: "string" },
  },
});
const SCALE = args.quick
  ? { events: 100_000, companies: 5000, deals: 20_000, requests: 200 }
  : { events: 1_000_000, companies: 5000, deals: 200_000, requests: 300 };
const SEED = 20_260_322;
const PAGE = 100;

const log = (message: string) => console.error(`[deals bench] ${message}`);

async function load(bench: BenchDatabase) {
  const generator = new SyntheticLog({ ...SCALE, seed: SEED });
  const started = performance.now();
  let loaded = 0;
  while (loaded < SCALE.events) {
    const batch = generator.nextBatch(Math.min(1000, SCALE.events - loaded));
    await appendEvents(bench.handle.db, batch, { logId: bench.logId, actor: ACTOR, requestId: randomUUID() });
    loaded += batch.length;
    if (loaded % 100_000 < 1000) log(`loaded ${loaded} events`);
  }
  return { events: loaded, deals: generator.dealsEmitted, seconds: (performance.now() - started) / 1000 };
}

/** Rebuilds `projections` from scratch in-process; each build's rate once all are live at the head. */
async function rebuild(bench: BenchDatabase, projections: readonly ProjectionDefinition<unknown>[]) {
  await resetProjections(bench);
  const pool = bench.handle.pool!;
  const head = await pool.query<{ n: string }>("select count(*) as n from events");
  const started = performance.now();
  const projector = createProjector({
    db: bench.handle.db,
    logId: bench.logId,
    projections,
    databaseUrl: bench.url,
    pollMs: 200,
    log: () => {},
  });
  try {
    for (;;) {
      const { rows } = await pool.query<{ name: string; events_done: string; eps: number }>(
        `select b.name, b.events_done, b.events_per_second as eps
           from projections p join projection_builds b on b.name = p.name and b.build = p.live_build
          where b.status = 'live'`,
      );
      if (
        rows.length === projections.length &&
        rows.every((r) => Number(r.events_done) >= Number(head.rows[0]!.n))
      ) {
        return {
          wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
          eventsPerSecond: Object.fromEntries(rows.map((r) => [r.name, Math.round(r.eps)])),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await projector.stop();
  }
}

function percentile(sorted: readonly number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Sequential requests of `paths(i)`; p50/p99 latency in ms (after a warm-up). */
async function latencies(base: string, paths: (i: number) => string, count = SCALE.requests) {
  for (let i = 0; i < 10; i++) await (await fetch(`${base}${paths(i)}`)).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${base}${paths(i)}`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${paths(i)}: ${response.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: Number(percentile(times, 50).toFixed(1)), p99: Number(percentile(times, 99).toFixed(1)) };
}

async function streamCsv(base: string, pid: number) {
  const before = await sampleProcess(pid);
  let peak = before.rssMiB;
  const sampler = setInterval(() => {
    void sampleProcess(pid).then((s) => {
      peak = Math.max(peak, s.rssMiB);
    });
  }, 100);
  const started = performance.now();
  const response = await fetch(`${base}/v1/deals?format=csv`);
  let rows = -1; // the header row
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    for (let i = text.indexOf("\r\n"); i >= 0; i = text.indexOf("\r\n", i + 2)) rows += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return {
    rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    rssBeforeMiB: Math.round(before.rssMiB),
    rssGrowthMiB: Math.round(peak - before.rssMiB),
  };
}

async function withLoadedDatabase<T>(name: string, body: (bench: BenchDatabase) => Promise<T>): Promise<T> {
  const url = databaseUrl(name);
  const handle = await connectDatabase({ url, poolSize: 4, applicationName: "stackledger-bench" });
  try {
    return await body({ name, url, handle, logId: await readLogId(handle.db) });
  } finally {
    await handle.close();
  }
}

async function main() {
  const run = async (bench: BenchDatabase) => {
    const reused = args.database !== undefined;
    const loaded = reused ? { reused: bench.name } : await load(bench);
    log(`log: ${JSON.stringify(loaded)}`);
    const older = PROJECTIONS.filter((p) => p.name !== "deal-records") as ProjectionDefinition<unknown>[];
    const deals = PROJECTIONS.filter((p) => p.name === "deal-records") as ProjectionDefinition<unknown>[];
    const before = reused ? undefined : await rebuild(bench, older);
    if (before) log(`rebuild of the three older projections: ${JSON.stringify(before)}`);
    const after = await rebuild(
      bench,
      reused ? deals : (PROJECTIONS as readonly ProjectionDefinition<unknown>[]),
    );
    log(`rebuild: ${JSON.stringify(after)}`);

    const server = await startServerProcess({ DATABASE_URL: bench.url, STACKLEDGER_PROJECTOR: "false" });
    try {
      const base = server.url;
      const sample = (await (await fetch(`${base}/v1/deals?limit=1000`)).json()) as {
        deals: { dealId: string; parties: { name: string }[] }[];
      };
      const ids = sample.deals.map((d) => d.dealId);
      const word = sample.deals[0]!.parties[0]!.name.slice(0, 5).toLowerCase();
      // A deep page: the token after 50 pages.
      let deep = "";
      for (let i = 0; i < 50; i++) {
        const page = (await (await fetch(`${base}/v1/deals?limit=${PAGE}${deep}`)).json()) as {
          next?: string;
        };
        if (!page.next) break;
        deep = `&after=${page.next}`;
      }
      const http = {
        oneFilter: await latencies(base, () => `/v1/deals?limit=${PAGE}&type=ComputeDealReported`),
        threeFilters: await latencies(
          base,
          () =>
            `/v1/deals?limit=${PAGE}&type=ComputeDealReported,SupplyDealReported&status=announced,completed&minValueUsd=100000000`,
        ),
        q: await latencies(base, () => `/v1/deals?limit=${PAGE}&q=${encodeURIComponent(word)}`),
        firstPage: await latencies(base, () => `/v1/deals?limit=${PAGE}`),
        deepPage: await latencies(base, () => `/v1/deals?limit=${PAGE}${deep}`),
        dealPage: await latencies(base, (i) => `/v1/deals/${ids[(i * 7919) % ids.length]}`),
      };
      log(`http: ${JSON.stringify(http)}`);
      const csv = await streamCsv(base, server.pid);
      log(`csv: ${JSON.stringify(csv)}`);
      return { scale: SCALE, pageSize: PAGE, qWord: word, loaded, rebuild: { before, after }, http, csv };
    } finally {
      await server.stop();
    }
  };
  const result = args.database
    ? await withLoadedDatabase(args.database, run)
    : await withBenchDatabase(4, run);
  console.log(JSON.stringify(result, null, 2));
}

await main();
