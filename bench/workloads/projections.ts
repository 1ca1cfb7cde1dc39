/**
 * The projections suite (issues 3 and 13), on one synthetic log (bench/lib/synthetic-log.ts), through the
 * processes a deployment runs (`stackledger project`, `stackledger serve` without a projector) and HTTP:
 *
 * 1. set-up: the log written with COPY (bench/lib/copy-log.ts; the same rows appendEvents writes; appends
 *    are measured by the other workloads), then VACUUM ANALYZE and a CHECKPOINT;
 * 2. rebuild, `rebuilds` times: the read-only baseline (the whole log through `readAll`, pages of 5000, in
 *    the bench process), then every build, table and snapshot dropped and a new projector process timed from
 *    its spawn until the four live builds are at the head; the ratio of the two is taken within the run;
 * 3. live lag at 1000 appends/s with that projector (bench/lib/projection-live-lag.ts), snapshots every 10,000 events
 * 4. restart, `rebuilds` times: the projector killed (SIGKILL), a few events appended, a new process timed
 *    from its spawn until every checkpoint is at the new head;
 * 5. views from API processes without a projector (bench/lib/projection-views.ts), after a graceful restart
 *    of the projector (so that the snapshot writes a kill interrupted are done) and its catch-up;
 * 6. memory: the newest snapshot of each kind and the projector's RSS, per deal and per company.
 */
import { randomUUID } from "node:crypto";
import { PROJECTIONS } from "../../projections/index.js";
import { appendEvents } from "../../src/event-log/append-events.js";
import { encodeCursor, type LogPosition } from "../../src/event-log/cursor.js";
import { readAll } from "../../src/event-log/read-all.js";
import { openCopyLoader } from "../lib/copy-log.js";
import { type BenchDatabase, resetProjections, withBenchDatabase } from "../lib/database.js";
import { ACTOR } from "../lib/events.js";
import { type LiveBuild, logHead, waitUntilLive } from "../lib/live-builds.js";
import { type LoadStats, loadBatches } from "../lib/load-order.js";
import type { Progress } from "../lib/progress.js";
import { type LiveLagRun, measureLiveLag } from "../lib/projection-live-lag.js";
import { measureViews, type ViewsRun } from "../lib/projection-views.js";
import { type ProjectorProcess, startProjectorProcess } from "../lib/projector-process.js";
import { SyntheticLog } from "../lib/synthetic-log.js";
import { type ProjectionsResult, summarizeProjections } from "./projections-summary.js";

export type { ProjectionsResult } from "./projections-summary.js";
export { formatProjectionsTable } from "./projections-table.js";

export interface ProjectionsScale {
  readonly events: number;
  readonly companies: number;
  readonly deals: number;
  /** Rebuilds from scratch (each after its baseline read), projector restarts, fresh API processes per view. */
  readonly rebuilds: number;
  readonly liveSeconds: number;
  /** Requests per current view. */
  readonly viewRequests: number;
  /** Every n-th generated event is checked with parseEventInput (all of them when 1). */
  readonly validateEvery: number;
}

/**
 * The suite's scale for a log of `events` events: one deal per 5 events, 5000 companies up to 1M events and
 * one per 200 events beyond (the companies grow with the market the log describes).
 */
export function projectionsScale(events: number, quick: boolean, rebuilds?: number): ProjectionsScale {
  if (!Number.isInteger(events) || events < 10_000) throw new Error(`--events must be an integer ≥ 10000`);
  return {
    events,
    companies: Math.max(5000, Math.round(events / 200)),
    deals: Math.round(events / 5),
    rebuilds: rebuilds ?? (events > 2_000_000 ? 1 : 3),
    liveSeconds: quick ? 10 : 20,
    viewRequests: 200,
    validateEvery: events > 200_000 ? 10 : 1,
  };
}

export const PROJECTIONS_FULL = projectionsScale(1_000_000, false);
export const PROJECTIONS_QUICK = projectionsScale(100_000, true);

const SEED = 20_260_322;
const AS_OF = "2020-06-30";
const READ_PAGE = 5000;
const LIVE_RATE = 1000;
const LIVE_TICK_MS = 100;
const LATER_REQUESTS = 5;
const VIEW_WARMUP = 10;
/** Events appended while a killed projector is down (its successor must cover them to be live again). */
const RESTART_EVENTS = 10;
const NAMES = PROJECTIONS.map((p) => p.name);

export interface LoadRun {
  readonly events: number;
  readonly companies: number;
  readonly deals: number;
  readonly mix: Record<string, number>;
  readonly validated: number;
  readonly eventsTableMiB: number;
  readonly loadMs: number;
  readonly generateMs: number;
}

export interface RebuildRun {
  readonly readAllMs: number;
  readonly wallMs: number;
  /** Spawn to "projector running": Node, tsx, connecting and migrating; part of wallMs. */
  readonly startUpMs: number;
  readonly perProjection: Record<string, number>;
  readonly peakRssMiB: number;
  readonly rows: Record<string, number>;
}

export interface RestartRun {
  readonly liveAgainMs: number;
  readonly startUpMs: number;
  readonly peakRssMiB: number;
}

export interface SnapshotInfo {
  readonly kind: string;
  readonly events: number;
  readonly bytes: number;
}

export interface MemoryRun {
  readonly snapshots: SnapshotInfo[];
  /** VmRSS of the projector after the live window, MiB. */
  readonly projectorRssMiB: number;
  readonly projectorPeakRssMiB: number;
}

interface Context {
  readonly bench: BenchDatabase;
  readonly scale: ProjectionsScale;
  readonly progress: Progress;
}

/**
 * The projector's environment: a snapshot every 10,000 events (the default is 100,000), so that the live
 * window (20,000 events at 1,000 a second) includes two: its lag shows whether a snapshot holds the fold.
 * A whole-log catch-up (the rebuild) still writes one snapshot, at its end.
 */
const projectorEnv = (bench: BenchDatabase) => ({
  DATABASE_URL: bench.url,
  STACKLEDGER_SNAPSHOT_EVERY_EVENTS: "10000",
});

/** Runs the whole suite on one fresh database. */
export async function runProjectionsBenchmark(
  scale: ProjectionsScale,
  progress: Progress,
): Promise<ProjectionsResult> {
  return withBenchDatabase(8, async (bench) => {
    const context: Context = { bench, scale, progress };
    const generator = new SyntheticLog({
      events: scale.events,
      companies: scale.companies,
      deals: scale.deals,
      seed: SEED,
    });
    const log = await loadLog(context, generator);
    let projector: ProjectorProcess | undefined;
    try {
      const rebuilds: RebuildRun[] = [];
      for (let run = 1; run <= scale.rebuilds; run++) {
        await projector?.stop();
        const readAllMs = await readWholeLog(bench);
        await resetProjections(bench);
        projector = startProjectorProcess(projectorEnv(bench));
        rebuilds.push(await timeRebuild(context, projector, run, readAllMs));
      }
      const live = await timeLiveLag(context, generator);
      const memory = {
        projectorRssMiB: await projector!.rssMiB(),
        projectorPeakRssMiB: await projector!.peakRssMiB(),
      };
      const restarts: RestartRun[] = [];
      // A restart resumes from the newest complete snapshot: the kill must not come before the first one is
      // written (the end-of-rebuild snapshot, encoded in the background at a quarter of the loop, is still
      // under way right after the live window; killed then, the restart folds the whole log).
      await waitForSnapshot(context, scale.events);
      for (let run = 1; run <= scale.rebuilds; run++) {
        await projector!.kill();
        projector = startProjectorProcess(projectorEnv(bench));
        restarts.push(await timeRestart(context, generator, projector, run));
      }
      // A killed projector loses the snapshot it was writing; a stopped one finishes it (SIGTERM flushes).
      // The fresh API processes below must find the snapshots a running deployment would have, and the
      // projector beside them must be idle (caught up), not folding, while the views are timed.
      await projector!.stop();
      projector = startProjectorProcess(projectorEnv(bench));
      await appendAndCatchUp(context, generator, projector);
      const snapshots = await newestSnapshots(bench);
      progress.log(
        `  projections: snapshots present for the API: ${snapshots.map((s) => `${s.kind} at ${s.events} events (${Math.round(s.bytes / 1024)} KiB)`).join(", ") || "none"}`,
      );
      const knownAtCursor = await halfWay(bench);
      const views = await measureViews({
        databaseUrl: bench.url,
        requests: scale.viewRequests,
        warmup: VIEW_WARMUP,
        repetitions: scale.rebuilds,
        later: LATER_REQUESTS,
        asOf: AS_OF,
        knownAt: knownAtCursor,
        log: (line) => progress.log(line),
      });
      await projector!.stop();
      projector = undefined;
      return summarizeProjections({
        scale,
        log,
        rebuilds,
        live,
        restarts,
        views: { ...views, knownAtCursor },
        memory: { ...memory, snapshots },
        liveRate: LIVE_RATE,
        seed: SEED,
        asOf: AS_OF,
      });
    } finally {
      await projector?.kill();
    }
  });
}

// ---------------------------------------------------------------------------------------------- load

async function loadLog(context: Context, generator: SyntheticLog): Promise<LoadRun> {
  const { bench, scale, progress } = context;
  const stats: LoadStats = { generated: 0, validated: 0, generateMs: 0 };
  const loader = await openCopyLoader(bench.url, ACTOR);
  const started = performance.now();
  let lastReport = started;
  try {
    for (const batch of loadBatches(generator, scale.events, scale.validateEvery, stats)) {
      await loader.append(batch);
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        progress.log(`  projections: COPY ${stats.generated}/${scale.events} events`);
      }
    }
  } finally {
    await loader.close();
  }
  const loadMs = performance.now() - started;
  const pool = bench.handle.pool!;
  await pool.query("vacuum analyze events");
  await pool.query("checkpoint");
  const size = await pool.query<{ bytes: string }>("select pg_total_relation_size('events') as bytes");
  const result: LoadRun = {
    events: stats.generated,
    companies: generator.counts.CompanyRegistered ?? 0,
    deals: generator.dealsEmitted,
    mix: { ...generator.counts },
    validated: stats.validated,
    eventsTableMiB: Math.round(Number(size.rows[0]?.bytes ?? 0) / 2 ** 20),
    loadMs,
    generateMs: stats.generateMs,
  };
  progress.log(
    `  projections: set-up: ${result.events} events (${result.deals} deals, ${result.companies} companies, ` +
      `${result.eventsTableMiB} MiB) written with COPY in ${(loadMs / 1000).toFixed(1)} s ` +
      `(of which generating and validating ${result.validated}: ${(stats.generateMs / 1000).toFixed(1)} s)`,
  );
  return result;
}

// ------------------------------------------------------------------------------- baseline and rebuild

/** The read-only baseline: the whole log through the gap-free path, as a projector reads it. */
async function readWholeLog(bench: BenchDatabase): Promise<number> {
  const started = performance.now();
  let after: LogPosition | undefined;
  for (;;) {
    const page = await readAll(bench.handle.db, bench.logId, { after, limit: READ_PAGE });
    if (page.end) break;
    after = page.events.at(-1)!.at;
  }
  return performance.now() - started;
}

async function timeRebuild(
  context: Context,
  projector: ProjectorProcess,
  run: number,
  readAllMs: number,
): Promise<RebuildRun> {
  const { bench, scale, progress } = context;
  const pool = bench.handle.pool!;
  const builds = await waitUntilLive(pool, NAMES, await logHead(pool), projector, {
    onSlow: async (seconds) =>
      progress.log(
        `  projections: rebuild ${run} running for ${seconds.toFixed(0)} s; projector peak RSS ${(await projector.peakRssMiB()).toFixed(0)} MiB`,
      ),
  });
  const wallMs = performance.now() - projector.spawnedAt;
  const startUpMs = (projector.readyAt() ?? Number.NaN) - projector.spawnedAt;
  const peakRssMiB = await projector.peakRssMiB();
  const perProjection: Record<string, number> = {};
  const rows: Record<string, number> = {};
  for (const build of builds) {
    perProjection[build.name] = eventsPerSecondOf(build);
    const count = await pool.query<{ n: string }>(`select count(*) as n from ${build.table}`);
    rows[build.name] = Number(count.rows[0]?.n ?? 0);
  }
  progress.log(
    `  projections: rebuild ${run}/${scale.rebuilds}: ${(wallMs / 1000).toFixed(1)} s from spawn to the ${NAMES.length} builds live (start-up ${(startUpMs / 1000).toFixed(1)} s) ` +
      `(readAll of the whole log: ${(readAllMs / 1000).toFixed(1)} s, ratio ${(wallMs / readAllMs).toFixed(2)}); ` +
      `peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  return { readAllMs, wallMs, startUpMs, perProjection, peakRssMiB, rows };
}

const eventsPerSecondOf = (build: LiveBuild) =>
  build.finishedAt
    ? (build.eventsDone * 1000) / (build.finishedAt.getTime() - build.startedAt.getTime())
    : Number.NaN;

// --------------------------------------------------------------------------------- live and restart

async function timeLiveLag(context: Context, generator: SyntheticLog): Promise<LiveLagRun> {
  const { bench, scale, progress } = context;
  const live = await measureLiveLag(bench, generator, {
    names: NAMES,
    seconds: scale.liveSeconds,
    eventsPerSecond: LIVE_RATE,
    tickMs: LIVE_TICK_MS,
  });
  const summary = NAMES.map((name) => {
    const lags = [...live.lags[name]!].sort((a, b) => a - b);
    const p99 = lags[Math.min(lags.length - 1, Math.ceil(0.99 * lags.length) - 1)] ?? Number.NaN;
    return `${name} p99 ${p99.toFixed(0)} / max ${(lags.at(-1) ?? Number.NaN).toFixed(0)} ms`;
  });
  progress.log(
    `  projections: live ${live.appended} events in ${live.seconds.toFixed(1)} s: ${summary.join(", ")}` +
      `${live.uncovered ? ` (${live.uncovered} not covered in time)` : ""}`,
  );
  return live;
}

/**
 * Appends a few events and waits until every projection of `projector` covers them: a process whose
 * checkpoints were already at the head proves it is live only by covering something new.
 */
async function appendAndCatchUp(context: Context, generator: SyntheticLog, projector: ProjectorProcess) {
  const { bench } = context;
  const batch = generator.nextBatch(RESTART_EVENTS).filter((event) => event.type !== "DealCorrected");
  await appendEvents(bench.handle.db, batch, { logId: bench.logId, actor: ACTOR, requestId: randomUUID() });
  const pool = bench.handle.pool!;
  await waitUntilLive(pool, NAMES, await logHead(pool), projector, { everyMs: 20 });
}

async function timeRestart(
  context: Context,
  generator: SyntheticLog,
  projector: ProjectorProcess,
  run: number,
): Promise<RestartRun> {
  const { scale, progress } = context;
  await appendAndCatchUp(context, generator, projector);
  const liveAgainMs = performance.now() - projector.spawnedAt;
  const startUpMs = (projector.readyAt() ?? Number.NaN) - projector.spawnedAt;
  const peakRssMiB = await projector.peakRssMiB();
  progress.log(
    `  projections: restart ${run}/${scale.rebuilds} (after SIGKILL): live again ${(liveAgainMs / 1000).toFixed(2)} s after the spawn (start-up ${(startUpMs / 1000).toFixed(2)} s); ` +
      `peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  return { liveAgainMs, startUpMs, peakRssMiB };
}

// ------------------------------------------------------------------------------------ views, memory

/** A knowledge point half-way through the log, as the API's cursor. */
async function halfWay(bench: BenchDatabase): Promise<string> {
  const { rows } = await bench.handle.pool!.query<{ xid: string; position: string }>(
    `select xid::text as xid, position from events order by events.xid, events.position
      offset (select count(*) / 2 from events) limit 1`,
  );
  return encodeCursor(bench.logId, { xid: rows[0]!.xid, position: Number(rows[0]!.position) });
}

async function newestSnapshots(bench: BenchDatabase): Promise<SnapshotInfo[]> {
  const { rows } = await bench.handle.pool!.query<{ kind: string; events: string; byte_size: number }>(
    `select distinct on (kind) kind, events, byte_size from state_snapshots where complete order by kind, events desc`,
  );
  return rows.map((row) => ({ kind: row.kind, events: Number(row.events), bytes: row.byte_size }));
}

/** Waits (up to 5 minutes) until a complete snapshot of at least `events` events is stored, and says how long. */
async function waitForSnapshot(context: Context, events: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    const newest = await newestSnapshots(context.bench);
    if (newest.some((snapshot) => snapshot.events >= events)) break;
    if (performance.now() - started > 300_000)
      throw new Error(`no snapshot of ${events} events in 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  context.progress.log(
    `  projections: restart: the first complete snapshot was there ${((performance.now() - started) / 1000).toFixed(1)} s after the live window`,
  );
}

export type { LiveLagRun, ViewsRun };
