import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyDealRecordEvent,
  createDealRecordsState,
  type DealRecordsState,
  foldDealRecords,
} from "../src/domain/deal-records-state.js";
import { type DomainState, dayToIso, worldAt } from "../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow, RowChanges } from "../src/projector/definition.js";
import { snapshotCodecOf } from "../src/projector/snapshot-codec-of.js";
import { dependenciesView } from "./dependency-graph/view.js";
import { dealRecords, dependencyGraph, integrationRanking, layerOwnership } from "./index.js";
import { rankingsView } from "./integration-ranking/view.js";
import { layersView } from "./layer-ownership/view.js";
import { randomLog } from "./test-support/random-log.js";

const comparable = (rows: Iterable<ReadModelRow>) =>
  [...rows].map((row) => ({
    key: row.key,
    sortKey: row.sortKey,
    json: row.json ?? JSON.stringify(row.body),
    columns: row.columns,
  }));

const bySortKey = (a: ReadModelRow, b: ReadModelRow) =>
  a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;

/** The four projections on one fold, as one process runs them: three views share the deal records' domain. */
const READERS: readonly {
  definition: ProjectionDefinition<never>;
  stateOf: (s: DealRecordsState) => unknown;
}[] = [
  { definition: layerOwnership as ProjectionDefinition<never>, stateOf: (s) => s.domain },
  { definition: dependencyGraph as ProjectionDefinition<never>, stateOf: (s) => s.domain },
  { definition: integrationRanking as ProjectionDefinition<never>, stateOf: (s) => s.domain },
  { definition: dealRecords as ProjectionDefinition<never>, stateOf: (s) => s },
];

/** A projector's view of one read model: the rows it holds and the mark of its last call. */
interface Reader {
  rows: Map<string, ReadModelRow>;
  mark: unknown;
  /** The step of its last call (-1: none yet). */
  last: number;
}

/** Applies an answer as the projector does, checking the contract on the way. */
function apply(reader: Reader, changes: RowChanges, expected: readonly ReadModelRow[]): void {
  if (changes.full) {
    reader.rows = new Map(changes.rows.map((row) => [row.key, row]));
  } else {
    const inView = new Set(expected.map((row) => row.key));
    for (const key of changes.deletes) {
      expect(inView.has(key), `delete of ${key}, still in the view`).toBe(false);
      reader.rows.delete(key);
    }
    for (const row of changes.rows) reader.rows.set(row.key, row);
  }
  reader.mark = changes.mark;
}

function restore(state: DealRecordsState): DealRecordsState {
  const codec = snapshotCodecOf(dealRecords)!;
  return codec.decode([...codec.encode(state)].map((record) => JSON.parse(JSON.stringify(record))));
}

describe("incremental view maintenance (changesSince)", () => {
  it("previous rows with each step's changes applied are the rows of the whole view", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 20, max: 260 }),
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 8 }),
        // Per step: which date the projector asks (mostly today), whether the second reader asks, whether an
        // API request for another date comes in between, whether the process restarts from a snapshot.
        fc.array(fc.tuple(fc.nat(9), fc.boolean(), fc.boolean(), fc.nat(30)), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: -300, max: 600 }),
        (seed, size, chunks, steps, dayOffset) => {
          const firstDay = 20_000;
          const events = randomLog(seed, size, firstDay, { partyCorrections: 0.05 });
          const today = dayToIso(firstDay + dayOffset);
          const other = dayToIso(firstDay + dayOffset + 200);
          let state = createDealRecordsState();
          const readers = READERS.map(() =>
            [0, 1].map((): Reader => ({ rows: new Map(), mark: undefined, last: -1 })),
          );
          /** Per step: the date asked and whether the state was restored from a snapshot first. */
          const history: { asOf: string; restored: boolean }[] = [];
          let at = 0;
          for (let i = 0; at < events.length; i++) {
            const [dateChoice, second, apiCall, restart] = steps[i % steps.length]!;
            const next = Math.min(events.length, at + chunks[i % chunks.length]!);
            for (const event of events.slice(at, next)) applyDealRecordEvent(state, event);
            at = next;
            if (restart === 0) state = restore(state);
            const asOf = dateChoice === 0 ? other : today;
            history.push({ asOf, restored: restart === 0 });
            const scratch = foldDealRecords(events.slice(0, at));
            READERS.forEach(({ definition, stateOf }, r) => {
              const expected = definition.rows(stateOf(scratch) as never, asOf);
              expect(comparable(expected), "rows() in sort key order").toEqual(
                comparable([...expected].sort(bySortKey)),
              );
              const callers = second ? [0, 1] : [0];
              for (const c of callers) {
                const reader = readers[r]![c]!;
                const changes = definition.changesSince!(stateOf(state) as never, asOf, reader.mark);
                // Full only when it cannot tell: a first call, a restored state, or a date asked since the
                // reader's last call that is not this one (the deal records keep a mark per date; the live
                // world shared by the three views follows the latest date asked).
                const since = history.slice(Math.max(0, reader.last), i + 1);
                const expectFull =
                  reader.last < 0 ||
                  history.slice(reader.last + 1).some((h) => h.restored) ||
                  (definition === dealRecords
                    ? history[reader.last]!.asOf !== asOf
                    : since.some((h) => h.asOf !== asOf));
                expect(changes.full, `${definition.name} full at step ${i}`).toBe(expectFull);
                reader.last = i;
                apply(reader, changes, expected);
                expect(
                  comparable([...reader.rows.values()].sort(bySortKey)),
                  `${definition.name}, reader ${c}, step ${i}, at ${at}`,
                ).toEqual(comparable(expected));
              }
              if (apiCall) {
                // The HTTP API reads the same state for any date between two steps.
                const domain = state.domain as DomainState;
                layersView(domain, other, null);
                dependenciesView(domain, other, null);
                rankingsView(domain, today, null);
                worldAt(domain, firstDay);
              }
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
