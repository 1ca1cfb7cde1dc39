/**
 * Issue 13's incremental figures, in memory (no database): folds a synthetic log of EVENTS events (the
 * suite's mix: 1 company per 200 events, 1 deal per 5) into one deal-records state (the three views share
 * its domain state, as in one process), then measures, per projection, the whole view (`rows`) against a
 * live step (`changesSince`) after 100 and after 1,000 new events, as medians of RUNS runs, and the heap the
 * live caches take.
 *
 *   node --expose-gc --import tsx bench/incremental-figures.ts 200000 [runs] [asOf]
 */
import { performance } from "node:perf_hooks";
import { dealRecords, PROJECTIONS } from "../projections/index.js";
import { applyDealRecordEvent, createDealRecordsState } from "../src/domain/deal-records-state.js";
import {
  compileDeal,
  type DomainState,
  dayToIso,
  isoToDay,
  liveWorld,
  type RecordedEvent,
} from "../src/domain/index.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const EVENTS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 5);
const AS_OF = process.argv[4] ?? "2026-12-06";
const COMPANIES = Math.max(10, Math.round(EVENTS / 200));
const DEALS = Math.round(EVENTS / 5);
const DAY = isoToDay(AS_OF);

const generator = new SyntheticLog({ events: EVENTS, companies: COMPANIES, deals: DEALS, seed: 20260322 });
const state = createDealRecordsState();
let position = 0;

/** The generator's next events as the log delivers them (ids kept: corrections name their target's id). */
function append(count: number): void {
  for (const event of generator.nextBatch(count)) {
    position += 1;
    const recorded: RecordedEvent = {
      eventId: event.id as string,
      type: event.type,
      data: event.data,
      position,
      recordedAt: `${dayToIso(DAY - 30 + Math.floor((30 * position) / (EVENTS + 20 * 1100 * RUNS)))}T12:00:00Z`,
    };
    applyDealRecordEvent(state, recorded);
  }
}

const heapMiB = (): number => {
  globalThis.gc?.();
  return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
};
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] as number) * 10) / 10;
};
const time = (f: () => unknown): number => {
  const started = performance.now();
  f();
  return performance.now() - started;
};

const stateOf = (definition: ProjectionDefinition<never>): never =>
  (definition.name === "deal-records" ? state : state.domain) as never;

let started = performance.now();
while (generator.eventsEmitted < EVENTS) append(Math.min(1000, EVENTS - generator.eventsEmitted));
console.log(
  `fold: ${EVENTS} events, ${state.domain.companies.size} companies, ${state.domain.deals.size} deals in ${Math.round(performance.now() - started)} ms`,
);
// Every deal compiled (a cache on the deal that the whole views fill too), so that the heap figures below
// count the live world's own caches only.
for (const deal of state.domain.deals.values()) compileDeal(deal);
const heapFolded = heapMiB();

const definitions = PROJECTIONS as unknown as readonly ProjectionDefinition<never>[];
const marks = new Map<string, unknown>();
started = performance.now();
const live = liveWorld(state.domain as DomainState, DAY);
const build = performance.now() - started;
const heapLive = heapMiB();
for (const d of definitions) marks.set(d.name, d.changesSince!(stateOf(d), AS_OF, undefined).mark);
const heapAnswered = heapMiB();
console.log(
  `live world built in ${Math.round(build)} ms (${live.aggregates.size} edges); heap ${heapFolded} MiB folded, ` +
    `${heapLive} MiB with the live world, ${heapAnswered} MiB after the first answers (the deal records' rows cache)`,
);

type Sample = { full: number[]; step: number[]; rows: number[] };
const samples = new Map<string, Sample>();
const sample = (key: string): Sample => {
  let s = samples.get(key);
  if (s === undefined) {
    s = { full: [], step: [], rows: [] };
    samples.set(key, s);
  }
  return s;
};

for (let run = 0; run < RUNS; run++) {
  for (const batch of [100, 1000]) {
    append(batch);
    for (const d of definitions) {
      // Each whole view on its own, as the projector computed it before: the memo shared by the three views
      // is dropped before each; the deal records recompute the rows of changed deals (all after a rename).
      (state.domain as DomainState).memo = undefined;
      sample(`${d.name}/${batch}`).full.push(time(() => d.rows(stateOf(d), AS_OF)));
    }
    // The shared update is paid once per step, by whichever projection asks first: measured on its own.
    sample(`live-world update/${batch}`).step.push(time(() => liveWorld(state.domain as DomainState, DAY)));
    for (const d of definitions) {
      const s = sample(`${d.name}/${batch}`);
      let answer: ReturnType<NonNullable<typeof d.changesSince>> | undefined;
      s.step.push(time(() => (answer = d.changesSince!(stateOf(d), AS_OF, marks.get(d.name)))));
      if (answer?.full) throw new Error(`${d.name} answered in full at a live step`);
      s.rows.push(answer!.rows.length + answer!.deletes.length);
      marks.set(d.name, answer!.mark);
    }
    dealRecords.rows(state, AS_OF);
  }
}

console.log(`\nmedians of ${RUNS} runs, asOf ${AS_OF} (ms; rows = rows + deletes a step answered)`);
console.log(
  "projection/new events".padEnd(34),
  "rows()".padStart(8),
  "changesSince".padStart(13),
  "rows".padStart(6),
);
for (const [key, s] of samples) {
  console.log(
    key.padEnd(34),
    (s.full.length > 0 ? String(median(s.full)) : "").padStart(8),
    String(median(s.step)).padStart(13),
    (s.rows.length > 0 ? String(median(s.rows)) : "").padStart(6),
  );
}
console.log(`heap after the runs: ${heapMiB()} MiB`);
