/**
 * The correctness probe (issue 5): 16 concurrent appenders write 4,000 single-event streams while readers
 * follow the log; then the whole log is read back. For each page size (1, 3, 10, 100, 1000), on a fresh
 * database per system and page size:
 * - `live`: a reader paging through the log in global order while the appenders write, until 1 s passes
 *   after the last append with nothing new;
 * - `after`: the whole log read from the start in global order once every append has committed;
 * - `subscription`: the system's own subscription, started before the appends: for stackledger the SSE
 *   feed (`GET /v1/feed/events?after=start` of `stackledger serve`, read with the `eventsource` client);
 *   for Emmett its consumer (`postgreSQLEventStoreConsumer` + reactor, pulling batches of the page size).
 * Every reader counts events never delivered (lost) and delivered more than once (duplicated), by event id.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { EventSource } from "eventsource";
import { sql } from "kysely";
import { appendEvents, type NewEvent } from "../../src/event-log/append-events.js";
import { START } from "../../src/event-log/cursor.js";
import { readAll } from "../../src/event-log/read-all.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { type BenchDatabase, withBenchDatabase } from "./database.js";
import { type Emmett, openEmmett, runEmmettConsumer } from "./emmett.js";
import { startServerProcess } from "./server-process.js";
import { concurrently } from "./timing.js";

export const PROBE_PAGE_SIZES = [1, 3, 10, 100, 1000] as const;
const STREAMS = 4000;
const APPENDERS = 16;
/** A reader is done once this long has passed after the last append with nothing new delivered. */
const QUIET_MS = 1000;
const GIVE_UP_MS = 120_000;

export interface Counts {
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
}

export interface SystemProbe {
  readonly lost: number;
  readonly duplicated: number;
  /** `<reader>.<page size>` → counts, e.g. `live.1`, `after.100`, `subscription.10`. */
  readonly readers: Record<string, Counts>;
}

export interface ProbeResult {
  readonly streams: number;
  readonly appenders: number;
  readonly pageSizes: readonly number[];
  readonly stackledger: SystemProbe;
  readonly emmett: SystemProbe;
}

/** Counts deliveries by event id against the set of ids the appenders wrote. */
class Tally {
  private readonly seen = new Map<string, number>();
  lastDeliveryAt = performance.now();

  deliver(id: string): void {
    this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
    this.lastDeliveryAt = performance.now();
  }

  counts(written: ReadonlySet<string>): Counts {
    let delivered = 0;
    let duplicated = 0;
    for (const [id, times] of this.seen) {
      if (!written.has(id)) throw new Error(`a reader delivered ${id}, which no appender wrote`);
      delivered += times;
      duplicated += times - 1;
    }
    const distinct = this.seen.size;
    return { delivered, lost: written.size - distinct, duplicated };
  }
}

/** One system's side of the probe: how to append, and how to read. */
interface ProbeSystem {
  append(index: number, id: string): Promise<void>;
  /** Pages through the log from the start with `pageSize` until `done()` says stop. */
  page(pageSize: number, tally: Tally, done: () => boolean): Promise<void>;
  subscribe(pageSize: number, tally: Tally): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function runProbe(log: (line: string) => void): Promise<ProbeResult> {
  const stackledger: Record<string, Counts> = {};
  const emmett: Record<string, Counts> = {};
  for (const pageSize of PROBE_PAGE_SIZES) {
    for (const [name, open, into] of [
      ["stackledger", openStackledger, stackledger],
      ["emmett", openEmmettProbe, emmett],
    ] as const) {
      const started = performance.now();
      const counts = await withBenchDatabase(APPENDERS, async (bench) =>
        probeOnce(await open(bench), pageSize),
      );
      for (const [reader, value] of Object.entries(counts)) into[`${reader}.${pageSize}`] = value;
      log(
        `  probe ${name} page ${pageSize}: ${Object.entries(counts)
          .map(([reader, c]) => `${reader} lost ${c.lost} duplicated ${c.duplicated}`)
          .join(", ")} (${((performance.now() - started) / 1000).toFixed(1)}s)`,
      );
    }
  }
  const total = (readers: Record<string, Counts>): SystemProbe => ({
    lost: Object.values(readers).reduce((sum, c) => sum + c.lost, 0),
    duplicated: Object.values(readers).reduce((sum, c) => sum + c.duplicated, 0),
    readers,
  });
  return {
    streams: STREAMS,
    appenders: APPENDERS,
    pageSizes: PROBE_PAGE_SIZES,
    stackledger: total(stackledger),
    emmett: total(emmett),
  };
}

async function probeOnce(system: ProbeSystem, pageSize: number): Promise<Record<string, Counts>> {
  try {
    const written = new Set<string>();
    const live = new Tally();
    const subscription = new Tally();
    let lastAppendAt = Number.POSITIVE_INFINITY;
    const startedAt = performance.now();
    const quiet = (tally: Tally) => () => {
      const now = performance.now();
      if (now - startedAt > GIVE_UP_MS) return true;
      return now - lastAppendAt > QUIET_MS && now - tally.lastDeliveryAt > QUIET_MS;
    };
    const subscriber = await system.subscribe(pageSize, subscription);
    const liveReader = system.page(pageSize, live, quiet(live));
    await concurrently(0, STREAMS, APPENDERS, async (index) => {
      const id = randomUUID();
      await system.append(index, id);
      written.add(id);
    });
    lastAppendAt = performance.now();
    await liveReader;
    while (!quiet(subscription)()) await new Promise((resolve) => setTimeout(resolve, 50));
    await subscriber.stop();
    const after = new Tally();
    await system.page(pageSize, after, () => true);
    return {
      live: live.counts(written),
      after: after.counts(written),
      subscription: subscription.counts(written),
    };
  } finally {
    await system.close();
  }
}

function registration(index: number, id: string): NewEvent {
  return {
    id,
    type: "CompanyRegistered",
    data: { companyId: `probe-${index}`, name: `Probe ${index}`, kind: "company" },
  };
}

async function openStackledger(bench: BenchDatabase): Promise<ProbeSystem> {
  const db = bench.handle.db;
  // The API wakes its feed with pg_notify after appends; the probe's appenders do the same.
  const wakeUp = createWakeUp(async () => {
    await sql`select pg_notify('events', '')`.execute(db);
  });
  const server = await startServerProcess({
    DATABASE_URL: bench.url,
    STACKLEDGER_PROJECTOR: "false",
    STACKLEDGER_DEMO_DATA: "false",
    STACKLEDGER_TOKENS: "probe-token=append",
  });
  return {
    async append(index, id) {
      await appendEvents(db, [registration(index, id)], { logId: bench.logId, actor: "probe" });
      wakeUp.signal();
    },
    async page(pageSize, tally, done) {
      let after = START;
      for (;;) {
        const page = await readAll(db, bench.logId, { after, limit: pageSize });
        for (const event of page.events) tally.deliver(event.id);
        const last = page.events[page.events.length - 1];
        if (last) after = last.at;
        if (page.end) {
          if (done()) return;
          if (page.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    async subscribe(_pageSize, tally) {
      const source = new EventSource(`${server.url}/v1/feed/events?after=start&types=CompanyRegistered`);
      source.addEventListener("CompanyRegistered", (event) => tally.deliver(JSON.parse(event.data).id));
      await new Promise<void>((resolve, reject) => {
        source.addEventListener("open", () => resolve());
        source.addEventListener("error", (error) => reject(new Error(`feed: ${error.message ?? "error"}`)));
      });
      return {
        async stop() {
          source.close();
        },
      };
    },
    async close() {
      await server.stop();
    },
  };
}

async function openEmmettProbe(bench: BenchDatabase): Promise<ProbeSystem> {
  const emmett: Emmett = await openEmmett(bench.url, APPENDERS);
  return {
    async append(index, id) {
      const event = registration(index, id);
      await emmett.append(`company-probe-${index}`, [
        { type: event.type, data: event.data as Record<string, unknown>, metadata: { messageId: id } },
      ]);
    },
    async page(pageSize, tally, done) {
      let after = 0n;
      for (;;) {
        const page = await emmett.readPage(after, pageSize);
        for (const message of page.messages) tally.deliver(message.messageId);
        after = page.last;
        if (page.messages.length < pageSize) {
          if (done()) return;
          if (page.messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    async subscribe(pageSize, tally) {
      const consumer = runEmmettConsumer(bench.url, {
        processorId: `probe-${pageSize}`,
        batchSize: pageSize,
        untilEmpty: false,
        // Its fastest setting: with the default 50 ms between pulls, page size 1 delivers 20 events/s.
        pullingFrequencyInMs: 1,
        eachMessage: (message) => tally.deliver(message.messageId),
      });
      return { stop: () => consumer.stop() };
    },
    async close() {
      await emmett.close();
    },
  };
}
