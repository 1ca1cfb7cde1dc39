/**
 * The change-feed benchmarks (issue 4), `--only feed`:
 *
 * 1. fan-out: `stackledger serve` as its own process (fresh bench database, STACKLEDGER_PROJECTOR=false,
 *    a static append token), N concurrent subscribers on `GET /v1/feed/events?after=now` held by one or
 *    two load-generator processes (bench/lib/sse-load-worker.ts: node:http, SSE parsed by hand), while
 *    this process appends `rate` events/s (`POST /v1/events`, one event per request, open loop). Each
 *    event carries `metadata: { seq, sentAt }`; latency = receipt − sentAt (CLOCK_MONOTONIC, shared by
 *    all processes), over every (subscriber, event); sentAt is the scheduled time when the writer ran more
 *    than 5 ms late (no coordinated omission). Per event, also: send → first subscriber, and first → last
 *    subscriber (the fan-out itself, free of the append's commit). The server's CPU (utime+stime deltas) and memory
 *    (VmRSS sampled every 250 ms, VmHWM) come from /proc/<pid>. Every subscriber must receive every event
 *    exactly once.
 * 2. ceiling: the same, in the same run, against bench/lib/bare-broadcaster.ts (a bare node:http SSE
 *    broadcaster process that gets the same events by POST and writes the same frames to the same number
 *    of clients). Ours and the ceiling alternate (ABBA) over the subscriber counts and the runs.
 * 3. catch-up: a new subscriber with `after=start` on a log of `catchUpEvents` events (appended
 *    beforehand with appendEvents in 1000-event batches, ~300-byte events), timed from the request to
 *    its `caught-up` frame; every event must arrive once.
 */
import type { ChildProcess } from "node:child_process";
import http from "node:http";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { withBenchDatabase } from "../lib/database.js";
import { registerCompanies, richCompanyRegistered } from "../lib/events.js";
import { type ProcessWindow, watchProcess } from "../lib/process-stats.js";
import type { Progress } from "../lib/progress.js";
import {
  EXIT_WITH_PARENT,
  type LoadResult,
  PER_WORKER,
  spawnNode,
  startSseLoad,
  stopChild,
} from "../lib/sse-load.js";
import { latency, type Summary, summarize } from "../lib/stats.js";

export interface FeedScale {
  /** Concurrent subscribers, one fan-out measurement per count. */
  readonly subscribers: readonly number[];
  /** Appending time per measurement. */
  readonly seconds: number;
  /** Appended events per second. */
  readonly rate: number;
  readonly catchUpEvents: number;
}

export const FEED_FULL: FeedScale = {
  subscribers: [1000, 5000],
  seconds: 20,
  rate: 100,
  catchUpEvents: 100_000,
};
export const FEED_QUICK: FeedScale = {
  subscribers: [200, 1000],
  seconds: 10,
  rate: 100,
  catchUpEvents: 20_000,
};

/** Issue 4. */
export const FEED_TARGETS = {
  heldSubscribers: 5000,
  p99Ms: 100,
  p99AtSubscribers: 1000,
  p50Ratio: 2,
  rssMiB: 500,
  catchUpEventsPerSecond: 50_000,
} as const;

const BIN = fileURLToPath(new URL("../../bin/stackledger.js", import.meta.url));
const BROADCASTER = fileURLToPath(new URL("../lib/bare-broadcaster.ts", import.meta.url));
const TOKEN = "bench-feed-token";
/** A run fails a subscriber count when deliveries stop progressing for this long after the last append. */
const DRAIN_IDLE_MS = 10_000;
const DRAIN_MAX_MS = 120_000;
/** Later than this behind schedule, an event's latency counts from its scheduled time (no coordinated omission). */
const LATE_MS = 5;
const MAX_IN_FLIGHT = 500;

export interface FanoutSide {
  readonly p50Ms: Summary;
  readonly p99Ms: Summary;
  readonly maxMs: Summary;
  /** Server (or broadcaster) process CPU during the appends and the drain, % of one core. */
  readonly cpuPercent: Summary;
  /** Server CPU time per delivered frame (subscriber × event), µs: the cost of the fan-out, less sensitive
   * than latency to how much of the shared CPUs the process got. */
  readonly cpuPerFrameUs: Summary;
  /** Highest VmRSS sampled during the measurement. */
  readonly rssMaxMiB: Summary;
  /** VmHWM at the end of the measurement (peak since the process started). */
  readonly hwmMiB: Summary;
  /** receipt − the writer's 201 for that event (ours: after the commit, as the writer learns it; the
   * ceiling answers after writing to every client, so its figure is ~0 and not comparable). */
  readonly afterAckP50Ms: Summary;
  readonly afterAckP99Ms: Summary;
  /** Per event: send → first subscriber (median over events). */
  readonly firstP50Ms: Summary;
  /** Per event: first → last subscriber, the fan-out itself. */
  readonly spreadP50Ms: Summary;
  readonly spreadP99Ms: Summary;
  /** POST round trip of the appends (commit included for ours). */
  readonly appendP50Ms: Summary;
  readonly appendP99Ms: Summary;
  /** CPU of the load-generator processes together, % of one core. */
  readonly loadCpuPercent: Summary;
  readonly connectSeconds: Summary;
  /** 1-minute load average of the machine at the end of each measurement. */
  readonly loadAverage: Summary;
  /** Every run: all subscribers connected and none was dropped. */
  readonly held: boolean;
  /** Every run: every subscriber received every appended event exactly once. */
  readonly exactlyOnce: boolean;
  /** Totals over the runs. */
  readonly delivery: {
    readonly expected: number;
    readonly received: number;
    readonly missing: number;
    readonly duplicates: number;
    readonly dropped: number;
    readonly failedConnects: number;
    readonly failedAppends: number;
    readonly negativeLatencies: number;
  };
}

export interface FeedResult {
  readonly description: string;
  readonly scale: FeedScale;
  readonly runs: number;
  /** By subscriber count. */
  readonly fanout: Record<
    string,
    {
      readonly ours: FanoutSide;
      readonly ceiling: FanoutSide;
      /** p50(ours) / p50(ceiling), per run. */
      readonly p50Ratio: Summary;
      readonly p99Ratio: Summary;
      /** Median fan-out spread (first → last subscriber) of ours / the ceiling's, per run. */
      readonly spreadRatio: Summary;
      /** Server CPU per delivered frame, ours / the ceiling's, per run. */
      readonly cpuPerFrameRatio: Summary;
    }
  >;
  readonly catchUp: {
    readonly events: number;
    readonly eventsPerSecond: Summary;
    readonly serverCpuPercent: Summary;
    /** Every run received every event once, in a strictly increasing order of cursors' positions. */
    readonly exact: boolean;
  };
  readonly targets: Record<
    string,
    { readonly target: string; readonly figure: string; readonly met: boolean }
  >;
}

interface Measurement {
  readonly load: LoadResult;
  readonly server: ProcessWindow;
  readonly loadCpuPercent: number;
  readonly appendMs: number[];
  /** Per event: send → first subscriber's receipt. */
  readonly firstMs: number[];
  /** Per event: first → last subscriber's receipt (the fan-out itself, whatever the append cost). */
  readonly spreadMs: number[];
  readonly failedAppends: number;
  readonly connected: number;
  readonly failedConnects: number;
  readonly connectMs: number;
  readonly events: number;
  /** 1-minute load average of the machine at the end (2 vCPUs are shared with other tenants). */
  readonly loadAverage: number;
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly output: string[];
}

/** Spawns a node process and waits for the line that gives its URL. */
async function spawnServer(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  urlOf: (line: string) => string | undefined,
): Promise<Spawned> {
  const child = spawnNode(args, { env });
  const output: string[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${output.join("\n")}`)), 60_000);
      const keep = (chunk: Buffer) => {
        for (const line of chunk.toString().split("\n")) {
          if (!line.trim()) continue;
          output.push(line);
          const url = urlOf(line);
          if (url) {
            clearTimeout(timer);
            resolve(url);
          }
        }
        if (output.length > 200) output.splice(0, output.length - 200);
      };
      child.stdout?.on("data", keep);
      child.stderr?.on("data", keep);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code}) before listening:\n${output.join("\n")}`));
      });
    });
    return { child, pid: child.pid!, url, output };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** `stackledger serve` on the bench database; with BENCH_CPU_PROF=<dir>, profiled (--cpu-prof). */
function startStackledger(databaseUrl: string): Promise<Spawned> {
  const profileDir = process.env.BENCH_CPU_PROF;
  return spawnServer(
    [
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      "--import",
      EXIT_WITH_PARENT,
      BIN,
      "serve",
      "--port",
      "0",
    ],
    {
      ...process.env,
      DATABASE_URL: databaseUrl,
      STACKLEDGER_TOKENS: `${TOKEN}=append`,
      STACKLEDGER_PROJECTOR: "false",
      STACKLEDGER_DEMO_DATA: "false",
    },
    (line) => /listening on (http:\/\/\S+)/.exec(line)?.[1],
  );
}

function startBroadcaster(): Promise<Spawned> {
  return spawnServer(
    ["--import", EXIT_WITH_PARENT, "--import", import.meta.resolve("tsx"), BROADCASTER],
    process.env,
    (line) => {
      const port = /^listening (\d+)/.exec(line)?.[1];
      return port ? `http://127.0.0.1:${port}` : undefined;
    },
  );
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
        timeout: 120_000,
      },
      (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.once("timeout", () => request.destroy(new Error("POST timed out")));
    request.once("error", reject);
    request.end(body);
  });
}

type Side = "ours" | "ceiling";

/** One subscriber count on one side: connect, append at `rate` for `seconds`, drain, report. */
async function measure(
  side: Side,
  target: Spawned,
  subscribers: number,
  scale: FeedScale,
  tag: string,
): Promise<Measurement> {
  const events = scale.rate * scale.seconds;
  const load = await startSseLoad(Math.ceil(subscribers / PER_WORKER));
  try {
    const feedUrl = side === "ours" ? `${target.url}/v1/feed/events?after=now` : `${target.url}/events`;
    const connection = await load.connect(feedUrl, subscribers, events);
    await sleep(1000);

    const postUrl = side === "ours" ? `${target.url}/v1/events` : `${target.url}/publish`;
    const headers: Record<string, string> = side === "ours" ? { authorization: `Bearer ${TOKEN}` } : {};
    const server = watchProcess(target.pid);
    const loadWatches = load.pids.map((pid) => watchProcess(pid));
    const appendMs: number[] = [];
    const sentAts: number[] = [];
    let failedAppends = 0;
    const inFlight = new Set<Promise<void>>();
    const started = nowMs();
    for (let seq = 0; seq < events; seq++) {
      const due = started + (seq * 1000) / scale.rate;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const now = nowMs();
      const sentAt = now - due > LATE_MS ? due : now;
      sentAts[seq] = sentAt;
      const event = {
        type: "CompanyRegistered",
        data: { companyId: `feed-${tag}-${seq}`, name: `Feed bench ${seq}`, kind: "company" },
        metadata: { seq, sentAt },
      };
      const body = JSON.stringify(side === "ours" ? { events: [event] } : event);
      const request = post(postUrl, body, headers).then(
        (status) => {
          if (status === 201) {
            const ackAt = nowMs();
            appendMs.push(ackAt - sentAt);
            load.ack(seq, ackAt);
          } else failedAppends++;
        },
        () => {
          failedAppends++;
        },
      );
      const tracked = request.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);

    // Drain: until every subscriber has every event, or deliveries stop progressing.
    const expected = connection.connected * events;
    let last = -1;
    let lastChange = performance.now();
    const drainStarted = performance.now();
    for (;;) {
      const { received } = await load.progress();
      if (received >= expected) break;
      if (received !== last) {
        last = received;
        lastChange = performance.now();
      }
      if (performance.now() - lastChange > DRAIN_IDLE_MS || performance.now() - drainStarted > DRAIN_MAX_MS)
        break;
      await sleep(100);
    }
    const window = await server.stop();
    const loadWindows = await Promise.all(loadWatches.map((watch) => watch.stop()));
    const report = await load.report();
    return {
      load: report,
      server: window,
      loadCpuPercent: loadWindows.reduce((sum, w) => sum + w.cpuPercent, 0),
      appendMs,
      firstMs: report.firstReceipt.map((first, seq) => first - sentAts[seq]!).filter(Number.isFinite),
      spreadMs: report.lastReceipt
        .map((last, seq) => last - report.firstReceipt[seq]!)
        .filter(Number.isFinite),
      failedAppends,
      connected: connection.connected,
      failedConnects: connection.failed,
      connectMs: connection.ms,
      events,
      loadAverage: loadavg()[0]!,
    };
  } finally {
    await load.close();
    // Let the server notice the closed connections before the next measurement.
    await sleep(1000);
  }
}

function summarizeSide(measurements: readonly Measurement[], subscribers: number): FanoutSide {
  const pick = (f: (m: Measurement) => number, digits = 1) => summarize(measurements.map(f), digits);
  const sum = (f: (m: Measurement) => number) => measurements.reduce((acc, m) => acc + f(m), 0);
  return {
    p50Ms: pick((m) => m.load.p50, 2),
    p99Ms: pick((m) => m.load.p99, 2),
    maxMs: pick((m) => m.load.max),
    cpuPercent: pick((m) => m.server.cpuPercent, 0),
    cpuPerFrameUs: pick((m) => (m.server.cpuSeconds * 1e6) / Math.max(1, m.load.received), 2),
    rssMaxMiB: pick((m) => m.server.rssMaxMiB, 0),
    hwmMiB: pick((m) => m.server.hwmMiB, 0),
    afterAckP50Ms: pick((m) => m.load.afterAckP50, 2),
    afterAckP99Ms: pick((m) => m.load.afterAckP99, 2),
    firstP50Ms: pick((m) => latency(m.firstMs, 2).p50, 2),
    spreadP50Ms: pick((m) => latency(m.spreadMs, 2).p50, 2),
    spreadP99Ms: pick((m) => latency(m.spreadMs, 2).p99, 2),
    appendP50Ms: pick((m) => latency(m.appendMs, 2).p50, 2),
    appendP99Ms: pick((m) => latency(m.appendMs, 2).p99, 2),
    loadCpuPercent: pick((m) => m.loadCpuPercent, 0),
    connectSeconds: pick((m) => m.connectMs / 1000),
    loadAverage: pick((m) => m.loadAverage),
    held: measurements.every((m) => m.connected === subscribers && m.load.closed === 0),
    exactlyOnce: measurements.every(
      (m) =>
        m.connected === subscribers &&
        m.load.complete === subscribers &&
        m.load.duplicates === 0 &&
        m.load.unexpected === 0,
    ),
    delivery: {
      expected: sum((m) => subscribers * m.events),
      received: sum((m) => m.load.received),
      missing: sum((m) => m.load.missing + (subscribers - m.connected) * m.events),
      duplicates: sum((m) => m.load.duplicates),
      dropped: sum((m) => m.load.closed),
      failedConnects: sum((m) => m.failedConnects),
      failedAppends: sum((m) => m.failedAppends),
      negativeLatencies: sum((m) => m.load.negative),
    },
  };
}

/** A subscriber with `after=start`, timed to its `caught-up`; counts the events and checks their order. */
function catchUpOnce(url: string): Promise<{ events: number; ms: number; ordered: boolean }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let buffer = "";
    let events = 0;
    let lastPosition = 0;
    let ordered = true;
    const request = http.get(`${url}/v1/feed/events?after=start`, { agent: false }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`catch-up: status ${response.statusCode}`));
        response.resume();
        return;
      }
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let start = 0;
        for (;;) {
          const end = buffer.indexOf("\n\n", start);
          if (end < 0) break;
          const frame = buffer.slice(start, end);
          start = end + 2;
          if (frame.includes("\nevent: caught-up")) {
            clearTimeout(timer);
            resolve({ events, ms: performance.now() - started, ordered });
            request.destroy();
            return;
          }
          const at = frame.indexOf('"position":');
          if (at < 0) continue;
          events++;
          // Appended in batches by one writer: delivery order is position order here.
          const position = Number.parseInt(frame.slice(at + 11, at + 31), 10);
          if (!(position > lastPosition)) ordered = false;
          lastPosition = position;
        }
        buffer = buffer.slice(start);
      });
    });
    const timer = setTimeout(
      () => request.destroy(new Error("catch-up: no caught-up within 10 min")),
      600_000,
    );
    request.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function runCatchUp(scale: FeedScale, runs: number, progress: Progress) {
  return withBenchDatabase(4, async (bench) => {
    const loadStarted = performance.now();
    await registerCompanies(bench, scale.catchUpEvents, richCompanyRegistered, false);
    progress.log(
      `  feed catch-up: ${scale.catchUpEvents} events appended (${((performance.now() - loadStarted) / 1000).toFixed(1)} s)`,
    );
    const server = await startStackledger(bench.url);
    try {
      const rates: number[] = [];
      const cpu: number[] = [];
      let exact = true;
      for (let run = 1; run <= runs; run++) {
        const watch = watchProcess(server.pid);
        const result = await catchUpOnce(server.url);
        const window = await watch.stop();
        const rate = (result.events * 1000) / result.ms;
        rates.push(rate);
        cpu.push(window.cpuPercent);
        if (result.events !== scale.catchUpEvents || !result.ordered) exact = false;
        progress.log(
          `  feed catch-up run ${run}/${runs}: ${result.events} events in ${(result.ms / 1000).toFixed(2)} s = ${Math.round(rate)} ev/s, server CPU ${Math.round(window.cpuPercent)} %${result.ordered ? "" : ", OUT OF ORDER"}`,
        );
      }
      return {
        events: scale.catchUpEvents,
        eventsPerSecond: summarize(rates),
        serverCpuPercent: summarize(cpu),
        exact,
      };
    } finally {
      await stopChild(server.child);
    }
  });
}

export async function runFeedBenchmark(
  scale: FeedScale,
  runs: number,
  progress: Progress,
): Promise<FeedResult> {
  const bySide: Record<Side, Measurement[][]> = {
    ours: scale.subscribers.map(() => []),
    ceiling: scale.subscribers.map(() => []),
  };
  for (let run = 1; run <= runs; run++) {
    await withBenchDatabase(4, async (bench) => {
      const ours = await startStackledger(bench.url);
      let ceiling: Spawned | undefined;
      try {
        ceiling = await startBroadcaster();
        const targets: Record<Side, Spawned> = { ours, ceiling };
        for (const [level, subscribers] of scale.subscribers.entries()) {
          // ABBA over the counts and the runs.
          const order: Side[] = (level + run) % 2 === 1 ? ["ours", "ceiling"] : ["ceiling", "ours"];
          for (const side of order) {
            const started = performance.now();
            const m = await measure(
              side,
              targets[side],
              subscribers,
              scale,
              `r${run}-${side.slice(0, 4)}-${subscribers}`,
            );
            bySide[side][level]!.push(m);
            progress.log(
              `  feed ${subscribers} subscribers run ${run}/${runs} ${side}: p50 ${m.load.p50} ms, p99 ${m.load.p99} ms, max ${m.load.max} ms (after the 201: p50 ${m.load.afterAckP50}, p99 ${m.load.afterAckP99}); ` +
                `CPU ${Math.round(m.server.cpuPercent)} % (${((m.server.cpuSeconds * 1e6) / Math.max(1, m.load.received)).toFixed(1)} µs/frame), RSS ${Math.round(m.server.rssMaxMiB)} MiB (HWM ${Math.round(m.server.hwmMiB)}); ` +
                `connected ${m.connected}/${subscribers} in ${(m.connectMs / 1000).toFixed(1)} s, complete ${m.load.complete}, ` +
                `missing ${m.load.missing}, dup ${m.load.duplicates}, dropped ${m.load.closed}, failed appends ${m.failedAppends}; ` +
                `clients CPU ${Math.round(m.loadCpuPercent)} %, load average ${m.loadAverage.toFixed(1)} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
            );
            if (Object.keys(m.load.errors).length > 0)
              progress.log(`    client errors: ${JSON.stringify(m.load.errors)}`);
          }
        }
      } finally {
        if (ceiling) await stopChild(ceiling.child);
        await stopChild(ours.child);
      }
    });
  }
  const catchUp = await runCatchUp(scale, runs, progress);

  const fanout: FeedResult["fanout"] = {};
  for (const [level, subscribers] of scale.subscribers.entries()) {
    const ours = bySide.ours[level]!;
    const ceiling = bySide.ceiling[level]!;
    const ratio = (f: (m: Measurement) => number) =>
      summarize(
        ours.map((m, i) => f(m) / f(ceiling[i]!)),
        2,
      );
    fanout[subscribers] = {
      ours: summarizeSide(ours, subscribers),
      ceiling: summarizeSide(ceiling, subscribers),
      p50Ratio: ratio((m) => m.load.p50),
      p99Ratio: ratio((m) => m.load.p99),
      spreadRatio: ratio((m) => latency(m.spreadMs, 2).p50),
      cpuPerFrameRatio: ratio((m) => m.server.cpuSeconds / Math.max(1, m.load.received)),
    };
  }
  return {
    description:
      `stackledger serve (own process, PostgreSQL, projector off) vs a bare node:http SSE broadcaster: ` +
      `N subscribers on /v1/feed/events?after=now, ${scale.rate} POST /v1/events per second for ${scale.seconds} s; ` +
      `latency = receipt − send time of the append; catch-up = after=start over ${scale.catchUpEvents} events`,
    scale,
    runs,
    fanout,
    catchUp,
    targets: evaluateTargets(scale, fanout, catchUp),
  };
}

function evaluateTargets(
  scale: FeedScale,
  fanout: FeedResult["fanout"],
  catchUp: FeedResult["catchUp"],
): FeedResult["targets"] {
  const largest = Math.max(...scale.subscribers);
  const p99Level = scale.subscribers.includes(FEED_TARGETS.p99AtSubscribers)
    ? FEED_TARGETS.p99AtSubscribers
    : Math.min(...scale.subscribers);
  const top = fanout[largest]!;
  const atP99 = fanout[p99Level]!;
  const worstRatio = Math.max(...Object.values(fanout).map((f) => f.p50Ratio.median));
  const held = top.ours.held && top.ours.exactlyOnce;
  return {
    held: {
      target: `${FEED_TARGETS.heldSubscribers} subscribers held, every event once`,
      figure:
        `${largest} subscribers: ${top.ours.held ? "held" : `NOT held (${top.ours.delivery.dropped} dropped, ${top.ours.delivery.failedConnects} failed connects)`}, ` +
        `${top.ours.exactlyOnce ? "every event once" : `missing ${top.ours.delivery.missing}, duplicates ${top.ours.delivery.duplicates}`}`,
      met: held && largest >= FEED_TARGETS.heldSubscribers,
    },
    p99: {
      target: `p99 ≤ ${FEED_TARGETS.p99Ms} ms at ${FEED_TARGETS.p99AtSubscribers} subscribers`,
      figure: `${atP99.ours.p99Ms.median} ms at ${p99Level}`,
      met: atP99.ours.p99Ms.median <= FEED_TARGETS.p99Ms,
    },
    p50Ratio: {
      target: `p50 ≤ ${FEED_TARGETS.p50Ratio}× the bare-node ceiling`,
      figure: Object.entries(fanout)
        .map(([n, f]) => `${f.p50Ratio.median}× at ${n}`)
        .join(", "),
      met: worstRatio <= FEED_TARGETS.p50Ratio,
    },
    rss: {
      target: `RSS < ${FEED_TARGETS.rssMiB} MiB at ${FEED_TARGETS.heldSubscribers} subscribers`,
      figure: `${top.ours.rssMaxMiB.median} MiB (HWM ${top.ours.hwmMiB.median}) at ${largest}`,
      met: top.ours.rssMaxMiB.median < FEED_TARGETS.rssMiB && largest >= FEED_TARGETS.heldSubscribers,
    },
    catchUp: {
      target: `catch-up ≥ ${FEED_TARGETS.catchUpEventsPerSecond} ev/s`,
      figure:
        `${Math.round(catchUp.eventsPerSecond.median)} ev/s (${catchUp.eventsPerSecond.min}–${catchUp.eventsPerSecond.max}) ` +
        `over ${catchUp.events} events, server CPU ${catchUp.serverCpuPercent.median} %` +
        (catchUp.exact ? "" : ", NOT every event once in order"),
      met: catchUp.exact && catchUp.eventsPerSecond.median >= FEED_TARGETS.catchUpEventsPerSecond,
    },
  };
}

export function formatFeedTable(result: FeedResult): string {
  const range = (s: Summary, unit = "") => `${s.median}${unit} (${s.min}–${s.max})`;
  const rows: string[][] = [];
  for (const [n, f] of Object.entries(result.fanout)) {
    for (const side of ["ours", "ceiling"] as const) {
      const s = f[side];
      rows.push([
        `${n} subs, ${side === "ours" ? "stackledger" : "bare node"}`,
        range(s.p50Ms),
        range(s.p99Ms),
        `${s.firstP50Ms.median} / ${s.spreadP50Ms.median} / ${s.spreadP99Ms.median}`,
        `${s.cpuPercent.median} % / ${s.cpuPerFrameUs.median} µs`,
        `${s.rssMaxMiB.median} / ${s.hwmMiB.median}`,
        `${s.appendP50Ms.median} / ${s.appendP99Ms.median}`,
        side === "ours" ? `${s.afterAckP50Ms.median} / ${s.afterAckP99Ms.median}` : "—",
        `${s.held ? "held" : "DROPPED"}, ${s.exactlyOnce ? "exactly once" : `missing ${s.delivery.missing}, dup ${s.delivery.duplicates}`}`,
      ]);
    }
    rows.push([
      `${n} subs, ratio ours/ceiling`,
      range(f.p50Ratio),
      range(f.p99Ratio),
      `spread p50 ${range(f.spreadRatio)}`,
      `per frame ${range(f.cpuPerFrameRatio)}`,
      "",
      "",
      "",
      "",
    ]);
  }
  const header = [
    "feed fan-out",
    "p50 ms median (min–max)",
    "p99 ms median (min–max)",
    "first / spread p50 / spread p99 ms",
    "CPU / per frame",
    "RSS max / HWM MiB",
    "POST p50 / p99 ms",
    "after 201 p50 / p99 ms",
    "delivery",
  ];
  const widths = header.map((title, col) => Math.max(title.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ");
  const fanoutTable = [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)];

  const targetRows = Object.values(result.targets).map((t) => [t.target, t.figure, t.met ? "yes" : "NO"]);
  const targetHeader = ["feed target (issue 4)", "figure (median)", "met?"];
  const targetWidths = targetHeader.map((title, col) =>
    Math.max(title.length, ...targetRows.map((row) => row[col]!.length)),
  );
  const targetLine = (cells: readonly string[]) =>
    cells.map((cell, col) => cell.padEnd(targetWidths[col]!)).join(" | ");
  return [
    ...fanoutTable,
    "",
    targetLine(targetHeader),
    targetWidths.map((width) => "-".repeat(width)).join("-|-"),
    ...targetRows.map(targetLine),
  ].join("\n");
}
