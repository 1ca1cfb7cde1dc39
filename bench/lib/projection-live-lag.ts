/**
 * Live lag of every projection at a fixed append rate: with a projector process caught up, batches of new
 * events are appended every `tickMs` (each followed by the pg_notify wake-up, as the API sends it), and a
 * separate connection reads every live build's checkpoint every 20 ms. The lag of an append for a
 * projection is the time from the append's return (just after its commit) to the first poll whose
 * checkpoint covers the append's cursor.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type pg from "pg";
import { appendEvents } from "../../src/event-log/append-events.js";
import { compareLogPositions, decodeCursor, type LogPosition } from "../../src/event-log/cursor.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { type BenchDatabase, rawClient } from "./database.js";
import { ACTOR } from "./events.js";
import { liveBuilds } from "./live-builds.js";
import type { SyntheticLog } from "./synthetic-log.js";

export interface LiveLagOptions {
  readonly names: readonly string[];
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly tickMs: number;
}

export interface LiveLagRun {
  readonly seconds: number;
  readonly appended: number;
  /** ms, per projection: one entry per append. */
  readonly lags: Record<string, number[]>;
  /** (append, projection) pairs still not covered when the wait gave up (counted up to that moment). */
  readonly uncovered: number;
}

export async function measureLiveLag(
  bench: BenchDatabase,
  generator: SyntheticLog,
  options: LiveLagOptions,
): Promise<LiveLagRun> {
  const db = bench.handle.db;
  const wakeUp = createWakeUp(async () => {
    await sql`select pg_notify('events', '')`.execute(db);
  });
  const poller: pg.Client = await rawClient(bench.url);
  const perTick = Math.round((options.eventsPerSecond * options.tickMs) / 1000);
  const ticks = Math.round((options.seconds * 1000) / options.tickMs);
  const appends: { at: LogPosition; committedAt: number }[] = [];
  const covered = new Map<string, number>(options.names.map((name) => [name, 0]));
  const lags: Record<string, number[]> = Object.fromEntries(options.names.map((name) => [name, []]));
  let appending = true;

  const poll = async () => {
    const builds = await liveBuilds(poller);
    const now = performance.now();
    for (const build of builds) {
      let index = covered.get(build.name);
      if (index === undefined) continue;
      while (index < appends.length && compareLogPositions(build.cursor, appends[index]!.at) >= 0) {
        lags[build.name]!.push(now - appends[index]!.committedAt);
        index += 1;
      }
      covered.set(build.name, index);
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
  try {
    for (let tick = 0; tick < ticks; tick++) {
      const wait = started + tick * options.tickMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Corrections are left out of the live window: this phase measures the projector, and a correction
      // costs the append a read of its deal's stream that the other events do not.
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
  } finally {
    appending = false;
  }
  const seconds = (performance.now() - started) / 1000;

  // Bounded: a projector that cannot keep up is reported, not waited for forever.
  const deadline = performance.now() + Math.max(60_000, options.seconds * 10_000);
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
  return { seconds, appended, lags, uncovered };
}
