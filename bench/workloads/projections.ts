/**
 * The projection benchmarks (issue 3), on one synthetic log per pass (bench/lib/synthetic-log.ts):
 *
 * 1. load: the log appended with `appendEvents` in 1000-event batches (not a target; the rate is reported);
 * 2. rebuild: a projector process (bench/lib/projector-process.ts, i.e. `stackledger project` with a fixed
 *    clock) started on the loaded database, timed until the three live builds exist with their checkpoint
 *    at the head of the log; its peak RSS (VmHWM) is read from /proc/<pid>/status;
 * 3. live lag: with that projector caught up, 1000 events/s of new deals and lifecycle events are
 *    appended (100-event batches every 100 ms, each followed by the pg_notify wake-up as the API sends it),
 *    and every append's commit is matched to the moment each live build's checkpoint covers it;
 * 4. views: the real HTTP app (createApp with the projections and the same fixed clock, @hono/node-server
 *    on port 0) — the current views from the read models, and an as-of date folded in memory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { sql } from "kysely";
import type pg from "pg";
import { PROJECTIONS } from "../../projections/index.js";
import { appendEvents, type NewEvent } from "../../src/event-log/append-events.js";
import { compareLogPositions, decodeCursor, type LogPosition } from "../../src/event-log/cursor.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { parseEventInput } from "../../src/events/index.js";
import { createApp } from "../../src/http/app.js";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/deps.js";
import { parseTokenConfig, staticTokenRegistry } from "../../src/http/tokens.js";
import { type BenchDatabase, rawClient, resetProjections, withBenchDatabase } from "../lib/database.js";
import { ACTOR } from "../lib/events.js";
import type { Progress } from "../lib/progress.js";
import { type Latency, latency, type Summary, summarize } from "../lib/stats.js";
import { SyntheticLog } from "../lib/synthetic-log.js";

export interface ProjectionsScale {
  readonly events: number;
  readonly companies: number;
  readonly deals: number;
  /** Rebuilds from scratch on the one loaded log (each in a new projector process). */
  readonly rebuilds: number;
  readonly liveSeconds: number;
  /** Requests per current view. */
  readonly viewRequests: number;
  /** Every n-th generated event is checked with parseEventInput (all of them when 1). */
  readonly validateEvery: number;
}

export const PROJECTIONS_FULL: ProjectionsScale = {
  events: 1_000_000,
  companies: 5000,
  deals: 200_000,
  rebuilds: 1,
  liveSeconds: 20,
  viewRequests: 200,
  validateEvery: 10,
};

export const PROJECTIONS_QUICK: ProjectionsScale = {
  events: 100_000,
  companies: 5000,
  deals: 20_000,
  rebuilds: 3,
  liveSeconds: 10,
  viewRequests: 200,
  validateEvery: 1,
};

const SEED = 20_260_322;
/** "Today" for the projector and the API: after every generated date. */
export const CLOCK = "2026-12-31T12:00:00.000Z";
const AS_OF = "2020-06-30";
const LOAD_BATCH = 1000;
const LIVE_RATE = 1000;
const LIVE_TICK_MS = 100;
const WARM_AS_OF_REQUESTS = 5;
const VIEW_WARMUP = 10;
const VIEWS = [
  { name: "layers", path: "/v1/views/layers" },
  { name: "dependencies", path: "/v1/views/dependencies" },
  { name: "rankings", path: "/v1/views/rankings" },
] as const;

export const TARGETS = {
  rebuildEventsPerSecond: 50_000,
  peakRssMiB: 1024,
  lagMs: 1000,
  currentP99Ms: 20,
  asOfMs: 2000,
} as const;

const CHILD = fileURLToPath(new URL("../lib/projector-process.ts", import.meta.url));

export interface ProjectionsResult {
  readonly description: string;
  readonly seed: number;
  readonly clock: string;
  readonly scale: ProjectionsScale;
  readonly log: {
    readonly events: number;
    readonly companies: number;
    readonly deals: number;
    readonly mix: Record<string, number>;
    readonly validated: number;
    readonly eventsTableMiB: number;
    /** events / seconds spent inside appendEvents */
    readonly loadEventsPerSecond: number;
    readonly loadSeconds: number;
    readonly generateSeconds: number;
  };
  readonly rebuild: {
    /** 3 × events / wall time from the projector's spawn to the three builds live at the head. */
    readonly endToEndEventsPerSecond: Summary;
    readonly wallSeconds: Summary;
    /** events / (finished_at − started_at) of each projection's build (they run concurrently). */
    readonly perProjectionEventsPerSecond: Record<string, Summary>;
    readonly peakRssMiB: Summary;
    readonly rows: Record<string, number>;
  };
  readonly live: {
    readonly seconds: number;
    readonly appended: number;
    readonly appendsPerSecond: number;
    /** Lag of every (append, projection) pair, ms. */
    readonly lagMs: Latency;
    readonly perProjectionLagMs: Record<string, Latency>;
    /** Pairs still not covered when the wait gave up (their lag is counted up to that moment). */
    readonly uncovered: number;
    readonly peakRssMiB: number;
  };
  readonly views: {
    readonly current: Record<string, Latency & { readonly bytes: number }>;
    /** Per view: the first request on a fresh server (cold fold) and the later ones, ms. */
    readonly asOf: {
      readonly date: string;
      readonly byView: Record<string, { cold: Summary; warm: Summary }>;
    };
  };
  readonly targets: Record<
    string,
    { readonly target: string; readonly figure: string; readonly met: boolean }
  >;
}

interface Context {
  readonly bench: BenchDatabase;
  readonly scale: ProjectionsScale;
  readonly progress: Progress;
}

/** Runs the whole projections benchmark on one fresh database (repetitions: see `scale.rebuilds`). */
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

    const rebuilds: RebuildRun[] = [];
    let projector: ProjectorProcess | undefined;
    try {
      for (let run = 1; run <= scale.rebuilds; run++) {
        if (projector) {
          await projector.stop();
          await resetProjections(bench);
        }
        projector = startProjector(bench);
        const result = await timeRebuild(context, projector, run);
        rebuilds.push(result);
      }
      const live = await measureLiveLag(context, generator, projector!);
      const views = await measureViews(context);
      await projector?.stop();
      projector = undefined;
      return summarizeAll(scale, log, rebuilds, live, views);
    } finally {
      await projector?.kill();
    }
  });
}

// ---------------------------------------------------------------------------------------------- load

/**
 * Corrections are held back and appended together, one batch per CORRECTION_FLUSH batches (still after
 * the events they correct): a batch holding a DealCorrected costs a sequential scan of `events` in
 * checkDealChanges (docs/benchmarks.md, projections finding 1), which made the 1M-event load take over
 * half an hour. Only the load's order changes; the log's content and mix do not.
 */
const CORRECTION_FLUSH = 100;

async function loadLog(context: Context, generator: SyntheticLog) {
  const { bench, scale, progress } = context;
  const db = bench.handle.db;
  let appendMs = 0;
  let generateMs = 0;
  let validated = 0;
  let generated = 0;
  let loaded = 0;
  let batches = 0;
  let lastReport = performance.now();
  const corrections: NewEvent[] = [];
  const append = async (batch: readonly NewEvent[]) => {
    const appendStarted = performance.now();
    await appendEvents(db, batch, { logId: bench.logId, actor: ACTOR, requestId: randomUUID() });
    appendMs += performance.now() - appendStarted;
    loaded += batch.length;
  };
  while (generated < scale.events) {
    const started = performance.now();
    const batch = generator.nextBatch(Math.min(LOAD_BATCH, scale.events - generated));
    for (let i = 0; i < batch.length; i++) {
      if ((generated + i) % scale.validateEvery !== 0) continue;
      const parsed = parseEventInput(batch[i]);
      if (!parsed.success) {
        throw new Error(
          `synthetic event ${generated + i} is invalid: ${JSON.stringify(parsed.issues)}\n${JSON.stringify(batch[i])}`,
        );
      }
      validated += 1;
    }
    generated += batch.length;
    generateMs += performance.now() - started;
    corrections.push(...batch.filter((event) => event.type === "DealCorrected"));
    await append(batch.filter((event) => event.type !== "DealCorrected"));
    batches += 1;
    if (batches % CORRECTION_FLUSH === 0 || generated >= scale.events) {
      while (corrections.length > 0) await append(corrections.splice(0, LOAD_BATCH));
    }
    if (performance.now() - lastReport > 15_000) {
      lastReport = performance.now();
      progress.log(
        `  projections: loaded ${loaded}/${scale.events} events (${Math.round((loaded * 1000) / appendMs)} ev/s in appendEvents)`,
      );
    }
  }
  await bench.handle.pool!.query("vacuum analyze events");
  await bench.handle.pool!.query("checkpoint");
  const size = await bench.handle.pool!.query<{ bytes: string }>(
    "select pg_total_relation_size('events') as bytes",
  );
  const result = {
    events: loaded,
    companies: generator.counts.CompanyRegistered ?? 0,
    deals: generator.dealsEmitted,
    mix: { ...generator.counts },
    validated,
    eventsTableMiB: Math.round(Number(size.rows[0]?.bytes ?? 0) / 2 ** 20),
    loadEventsPerSecond: Math.round((loaded * 1000) / appendMs),
    loadSeconds: Number((appendMs / 1000).toFixed(1)),
    generateSeconds: Number((generateMs / 1000).toFixed(1)),
  };
  progress.log(
    `  projections: loaded ${loaded} events (${result.deals} deals, ${result.companies} companies, ` +
      `${result.eventsTableMiB} MiB) at ${result.loadEventsPerSecond} ev/s in appendEvents ` +
      `(${result.loadSeconds} s; generating and validating ${result.validated}: ${result.generateSeconds} s)`,
  );
  return result;
}

// ----------------------------------------------------------------------------------- the projector

interface ProjectorProcess {
  readonly pid: number;
  /** Peak RSS so far (VmHWM), MiB. */
  peakRssMiB(): Promise<number>;
  /** SIGTERM, wait for a normal exit (the runners stop, the pool closes). */
  stop(): Promise<void>;
  /** SIGKILL if still running (cleanup after a failure). */
  kill(): Promise<void>;
  readonly output: string[];
  running(): boolean;
}

function startProjector(bench: BenchDatabase): ProjectorProcess {
  const profileDir = process.env.BENCH_CPU_PROF;
  const args = [
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    "--import",
    import.meta.resolve("tsx"),
    CHILD,
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: bench.url, BENCH_CLOCK: CLOCK, STACKLEDGER_PROJECTOR: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  return {
    pid: child.pid!,
    output,
    async peakRssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return kb / 1024;
    },
    async stop() {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running) return;
      child.kill("SIGKILL");
      await exited;
    },
    running: () => running,
  };
}

interface LiveBuildRow {
  name: string;
  status: string;
  xid: string;
  position: string;
  started_at: Date;
  finished_at: Date | null;
  events_done: string;
  table_name: string;
}

async function liveBuilds(db: BenchDatabase["handle"]["db"]): Promise<LiveBuildRow[]> {
  const result = await sql<LiveBuildRow>`
    select b.name, b.status, b.cursor_xid::text as xid, b.cursor_position as position, b.started_at,
           b.finished_at, b.events_done, b.table_name
      from projections p join projection_builds b on b.name = p.name and b.build = p.live_build`.execute(db);
  return result.rows;
}

async function head(bench: BenchDatabase): Promise<LogPosition> {
  const { rows } = await bench.handle.pool!.query<{ xid: string; position: string }>(
    "select xid::text as xid, position from events order by xid desc, position desc limit 1",
  );
  return { xid: rows[0]!.xid, position: Number(rows[0]!.position) };
}

/** Drops every build and its table, so that the next projector process builds from scratch. */
interface RebuildRun {
  readonly wallMs: number;
  readonly perProjection: Record<string, number>;
  readonly peakRssMiB: number;
  readonly rows: Record<string, number>;
}

async function timeRebuild(context: Context, projector: ProjectorProcess, run: number): Promise<RebuildRun> {
  const { bench, scale, progress } = context;
  const started = performance.now();
  const target = await head(bench);
  let builds: LiveBuildRow[] = [];
  let lastReport = started;
  for (;;) {
    if (!projector.running()) {
      throw new Error(`the projector process exited during the rebuild:\n${projector.output.join("\n")}`);
    }
    builds = await liveBuilds(bench.handle.db);
    const done =
      builds.length === PROJECTIONS.length &&
      builds.every(
        (b) =>
          b.status === "live" &&
          compareLogPositions({ xid: b.xid, position: Number(b.position) }, target) === 0,
      );
    if (done) break;
    if (builds.some((b) => b.status === "failed")) {
      throw new Error(`a projection failed during the rebuild:\n${projector.output.join("\n")}`);
    }
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      progress.log(
        `  projections: rebuild ${run} running for ${((lastReport - started) / 1000).toFixed(0)} s, ` +
          `${builds.length} live; projector RSS peak ${(await projector.peakRssMiB()).toFixed(0)} MiB`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const wallMs = performance.now() - started;
  const peakRssMiB = await projector.peakRssMiB();
  const perProjection: Record<string, number> = {};
  const rows: Record<string, number> = {};
  for (const b of builds) {
    const seconds = (b.finished_at!.getTime() - b.started_at.getTime()) / 1000;
    perProjection[b.name] = Number(b.events_done) / seconds;
    const count = await bench.handle.pool!.query<{ n: string }>(`select count(*) as n from ${b.table_name}`);
    rows[b.name] = Number(count.rows[0]?.n ?? 0);
  }
  const rate = (PROJECTIONS.length * scale.events * 1000) / wallMs;
  progress.log(
    `  projections: rebuild ${run}/${scale.rebuilds}: ${(wallMs / 1000).toFixed(1)} s end to end, ` +
      `${Math.round(rate)} ev/s (3 × ${scale.events} / wall); per projection ` +
      `${Object.entries(perProjection)
        .map(([name, value]) => `${name} ${Math.round(value)}`)
        .join(", ")} ev/s; peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  return { wallMs, perProjection, peakRssMiB, rows };
}

// ---------------------------------------------------------------------------------------- live lag

interface LiveRun {
  readonly seconds: number;
  readonly appended: number;
  readonly lags: Record<string, number[]>;
  readonly uncovered: number;
  readonly peakRssMiB: number;
}

async function measureLiveLag(
  context: Context,
  generator: SyntheticLog,
  projector: ProjectorProcess,
): Promise<LiveRun> {
  const { bench, scale, progress } = context;
  const db = bench.handle.db;
  const wakeUp = createWakeUp(async () => {
    await sql`select pg_notify('events', '')`.execute(db);
  });
  const poller: pg.Client = await rawClient(bench.url);
  const perTick = (LIVE_RATE * LIVE_TICK_MS) / 1000;
  const ticks = Math.round((scale.liveSeconds * 1000) / LIVE_TICK_MS);
  const appends: { at: LogPosition; committedAt: number }[] = [];
  const covered = new Map<string, number>(PROJECTIONS.map((p) => [p.name, 0]));
  const lags: Record<string, number[]> = Object.fromEntries(PROJECTIONS.map((p) => [p.name, []]));
  let appending = true;

  // The poller: every 20 ms, every live build's checkpoint; each append it now covers gets its lag.
  const poll = async () => {
    const { rows } = await poller.query<{ name: string; xid: string; position: string }>(
      `select b.name, b.cursor_xid::text as xid, b.cursor_position as position
         from projections p join projection_builds b on b.name = p.name and b.build = p.live_build`,
    );
    const now = performance.now();
    for (const row of rows) {
      const cursor = { xid: row.xid, position: Number(row.position) };
      let index = covered.get(row.name) ?? 0;
      while (index < appends.length && compareLogPositions(cursor, appends[index]!.at) >= 0) {
        lags[row.name]!.push(now - appends[index]!.committedAt);
        index += 1;
      }
      covered.set(row.name, index);
    }
  };
  const allCovered = () => [...covered.values()].every((index) => index >= appends.length);
  const polling = (async () => {
    while (appending || !allCovered()) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  const started = performance.now();
  let appended = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const due = started + tick * LIVE_TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Corrections are left out of the live window: each would cost the append a sequential scan of the
    // 1M-event log (projections finding 1), and this phase measures the projector, not that defect.
    const batch = generator.nextBatch(perTick).filter((event) => event.type !== "DealCorrected");
    const result = await appendEvents(db, batch, {
      logId: bench.logId,
      actor: ACTOR,
      requestId: randomUUID(),
    });
    const committedAt = performance.now();
    wakeUp.signal();
    appends.push({ at: decodeCursor(bench.logId, result.cursor), committedAt });
    appended += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  appending = false;

  // Wait for the projector to cover every append (bounded: a projector that cannot keep up is reported).
  const deadline = performance.now() + Math.max(60_000, scale.liveSeconds * 10_000);
  while (!allCovered() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let uncovered = 0;
  if (!allCovered()) {
    const now = performance.now();
    for (const [name, index] of covered) {
      for (let i = index; i < appends.length; i++) {
        lags[name]!.push(now - appends[i]!.committedAt);
        uncovered += 1;
      }
      covered.set(name, appends.length);
    }
  }
  await polling;
  await poller.end();
  const peakRssMiB = await projector.peakRssMiB();
  const all = Object.values(lags).flat();
  const summary = latency(all, 0);
  progress.log(
    `  projections: live ${appended} events in ${seconds.toFixed(1)} s (${Math.round(appended / seconds)} ev/s): ` +
      `lag p50 ${summary.p50} ms, p99 ${summary.p99} ms, max ${summary.max} ms` +
      `${uncovered ? ` (${uncovered} appends not covered in time)` : ""}; projector RSS peak ${peakRssMiB.toFixed(0)} MiB`,
  );
  return { seconds, appended, lags, uncovered, peakRssMiB };
}

// ------------------------------------------------------------------------------------------- views

interface ViewsRun {
  readonly current: Record<string, { ms: number[]; bytes: number }>;
  readonly asOf: Record<string, { cold: number[]; warm: number[] }>;
}

async function measureViews(context: Context): Promise<ViewsRun> {
  const { bench, scale, progress } = context;
  const current: ViewsRun["current"] = {};
  const asOf: ViewsRun["asOf"] = Object.fromEntries(VIEWS.map((v) => [v.name, { cold: [], warm: [] }]));
  // One server per as-of repetition: each new app has a new view reader, hence a cold fold.
  const repetitions = scale.rebuilds;
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    const server = await startServer(bench);
    try {
      if (repetition === 1) {
        for (const view of VIEWS) {
          const url = `${server.url}${view.path}`;
          for (let i = 0; i < VIEW_WARMUP; i++) await timedGet(url);
          const ms: number[] = [];
          let bytes = 0;
          for (let i = 0; i < scale.viewRequests; i++) {
            const response = await timedGet(url);
            ms.push(response.ms);
            bytes = response.bytes;
          }
          current[view.name] = { ms, bytes };
          const l = latency(ms);
          progress.log(
            `  projections: GET ${view.path} (current, read model): p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms, ${Math.round(bytes / 1024)} KiB`,
          );
        }
      }
      for (const view of VIEWS) {
        const url = `${server.url}${view.path}?asOf=${AS_OF}`;
        const cold = await timedGet(url);
        asOf[view.name]!.cold.push(cold.ms);
        const warm: number[] = [];
        for (let i = 0; i < WARM_AS_OF_REQUESTS; i++) warm.push((await timedGet(url)).ms);
        asOf[view.name]!.warm.push(...warm);
        progress.log(
          `  projections: GET ${view.path}?asOf=${AS_OF} (${repetition}/${repetitions}): first ${cold.ms.toFixed(0)} ms, ` +
            `later ${warm.map((ms) => ms.toFixed(0)).join(", ")} ms`,
        );
      }
    } finally {
      await server.close();
    }
  }
  return { current, asOf };
}

async function startServer(bench: BenchDatabase) {
  const app = createApp({
    db: bench.handle.db,
    logId: bench.logId,
    tokens: staticTokenRegistry(parseTokenConfig("bench-views-token=admin")),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    projections: PROJECTIONS,
    clock: () => new Date(CLOCK),
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

async function timedGet(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 500)}`);
  return { ms, bytes: Buffer.byteLength(body) };
}

// ----------------------------------------------------------------------------------------- summary

function summarizeAll(
  scale: ProjectionsScale,
  log: ProjectionsResult["log"],
  rebuilds: RebuildRun[],
  live: LiveRun,
  views: ViewsRun,
): ProjectionsResult {
  const endToEnd = summarize(rebuilds.map((r) => (PROJECTIONS.length * scale.events * 1000) / r.wallMs));
  const peakRss = summarize(
    rebuilds.map((r) => r.peakRssMiB),
    0,
  );
  const perProjection = Object.fromEntries(
    PROJECTIONS.map((p) => [p.name, summarize(rebuilds.map((r) => r.perProjection[p.name] ?? Number.NaN))]),
  );
  const lag = latency(Object.values(live.lags).flat(), 0);
  const current = Object.fromEntries(
    Object.entries(views.current).map(([name, v]) => [name, { ...latency(v.ms), bytes: v.bytes }]),
  );
  const asOf = Object.fromEntries(
    Object.entries(views.asOf).map(([name, v]) => [
      name,
      { cold: summarize(v.cold), warm: summarize(v.warm) },
    ]),
  );
  const worstCurrentP99 = Math.max(...Object.values(current).map((v) => v.p99));
  const worstCold = Math.max(...Object.values(asOf).map((v) => v.cold.median));
  const worstWarm = Math.max(...Object.values(asOf).map((v) => v.warm.median));
  return {
    description:
      "synthetic log (bench/lib/synthetic-log.ts) loaded with appendEvents; rebuild of the three projections by a " +
      "projector process; live lag at 1000 ev/s; views over HTTP (read model for today, in-memory fold for asOf)",
    seed: SEED,
    clock: CLOCK,
    scale,
    log,
    rebuild: {
      endToEndEventsPerSecond: endToEnd,
      wallSeconds: summarize(
        rebuilds.map((r) => r.wallMs / 1000),
        1,
      ),
      perProjectionEventsPerSecond: perProjection,
      peakRssMiB: peakRss,
      rows: rebuilds[0]?.rows ?? {},
    },
    live: {
      seconds: Number(live.seconds.toFixed(1)),
      appended: live.appended,
      appendsPerSecond: Math.round(live.appended / live.seconds),
      lagMs: lag,
      perProjectionLagMs: Object.fromEntries(Object.entries(live.lags).map(([n, v]) => [n, latency(v, 0)])),
      uncovered: live.uncovered,
      peakRssMiB: Math.round(live.peakRssMiB),
    },
    views: { current, asOf: { date: AS_OF, byView: asOf } },
    targets: {
      rebuildEventsPerSecond: {
        target: `≥ ${TARGETS.rebuildEventsPerSecond} ev/s end to end (3 × events / wall)`,
        figure: `${endToEnd.median}`,
        met: endToEnd.median >= TARGETS.rebuildEventsPerSecond,
      },
      rebuildPeakRss: {
        target: `< ${TARGETS.peakRssMiB} MiB peak RSS`,
        figure: `${peakRss.max}`,
        met: peakRss.max < TARGETS.peakRssMiB,
      },
      liveLag: {
        target: `< ${TARGETS.lagMs} ms lag (p99 and max)`,
        figure: `p99 ${lag.p99}, max ${lag.max}`,
        met: lag.max < TARGETS.lagMs,
      },
      currentViewP99: {
        target: `p99 < ${TARGETS.currentP99Ms} ms per current view`,
        figure: `${worstCurrentP99}`,
        met: worstCurrentP99 < TARGETS.currentP99Ms,
      },
      asOfCold: {
        target: `< ${TARGETS.asOfMs} ms for the first as-of request (cold fold)`,
        figure: `${worstCold}`,
        met: worstCold < TARGETS.asOfMs,
      },
      asOfWarm: {
        target: `< ${TARGETS.asOfMs} ms for later as-of requests`,
        figure: `${worstWarm}`,
        met: worstWarm < TARGETS.asOfMs,
      },
    },
  };
}

const range = (s: Summary, unit = "") => `${fmt(s.median)}${unit} (${fmt(s.min)}–${fmt(s.max)})`;
const fmt = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");

/** The plain-text table printed at the end of a run. */
export function formatProjectionsTable(result: ProjectionsResult): string {
  const t = result.targets;
  const yes = (met: boolean) => (met ? "yes" : "NO");
  const rows: string[][] = [
    [
      "load (appendEvents, 1000/batch)",
      `${fmt(result.log.loadEventsPerSecond)} ev/s`,
      "— (not a target)",
      "",
    ],
    [
      "rebuild, end to end (3 × events / wall)",
      `${range(result.rebuild.endToEndEventsPerSecond)} ev/s`,
      t.rebuildEventsPerSecond!.target,
      yes(t.rebuildEventsPerSecond!.met),
    ],
    ...Object.entries(result.rebuild.perProjectionEventsPerSecond).map(([name, s]) => [
      `  rebuild ${name} (own build time)`,
      `${range(s)} ev/s`,
      "",
      "",
    ]),
    [
      "rebuild, projector peak RSS (VmHWM)",
      `${range(result.rebuild.peakRssMiB)} MiB`,
      t.rebuildPeakRss!.target,
      yes(t.rebuildPeakRss!.met),
    ],
    [
      `live lag at ${result.live.appendsPerSecond} ev/s, ${result.live.seconds} s`,
      `p50 ${fmt(result.live.lagMs.p50)}, p99 ${fmt(result.live.lagMs.p99)}, max ${fmt(result.live.lagMs.max)} ms`,
      t.liveLag!.target,
      yes(t.liveLag!.met),
    ],
    ...Object.entries(result.views.current).map(([name, v]) => [
      `GET /v1/views/${name} (current)`,
      `p50 ${v.p50}, p99 ${v.p99} ms (${Math.round(v.bytes / 1024)} KiB)`,
      t.currentViewP99!.target,
      yes(v.p99 < TARGETS.currentP99Ms),
    ]),
    ...Object.entries(result.views.asOf.byView).map(([name, v]) => [
      `GET /v1/views/${name}?asOf=${result.views.asOf.date}`,
      `first ${range(v.cold, " ms")}, later ${range(v.warm, " ms")}`,
      `< ${TARGETS.asOfMs} ms (first / later)`,
      `${yes(v.cold.median < TARGETS.asOfMs)} / ${yes(v.warm.median < TARGETS.asOfMs)}`,
    ]),
  ];
  const header = ["projections figure", "median (min–max)", "target", "met?"];
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ");
  return [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)].join("\n");
}
