import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayToIso } from "../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../src/projector/definition.js";
import { snapshotCodecOf } from "../src/projector/snapshot-codec-of.js";
import { PROJECTIONS } from "./index.js";
import { randomLog } from "./test-support/random-log.js";
import { fold } from "./test-support/snapshots.js";

const comparable = (rows: ReadModelRow[]) =>
  rows.map((row) => ({
    key: row.key,
    sortKey: row.sortKey,
    json: row.json ?? JSON.stringify(row.body),
    columns: row.columns,
  }));

/** Through the snapshot's whole path but gzip and the database: encode, JSON lines, parse, decode. */
function restore<S>(definition: ProjectionDefinition<S>, state: S): S {
  const codec = snapshotCodecOf(definition);
  if (!codec) throw new Error(`${definition.name} has no snapshot codec`);
  return codec.decode([...codec.encode(state)].map((record) => JSON.parse(JSON.stringify(record))));
}

describe("snapshots of the folded state", () => {
  it("the random logs describe companies, deals and their lifecycles", () => {
    const types = new Set(randomLog(1, 300, 20_000).map((event) => event.type));
    for (const type of ["CompanyRegistered", "DealStatusChanged", "DealCorrected", "DealEnded"])
      expect(types).toContain(type);
  });

  it("every projection takes its snapshots with its own fold", () => {
    for (const definition of PROJECTIONS) expect(snapshotCodecOf(definition as never)).toBeDefined();
  });

  it("the views are identical folded from scratch, resumed from a snapshot at any point, or served live", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 20, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: -400, max: 800 }),
        (seed, size, splitAt, chunks, dayOffset) => {
          const firstDay = 20_000; // 2024-10-04
          const events = randomLog(seed, size, firstDay);
          const split = Math.floor(splitAt * events.length);
          const asOfs = [dayToIso(firstDay + dayOffset), dayToIso(firstDay + Math.floor(size / 7) + 30)];
          for (const definition of PROJECTIONS as readonly ProjectionDefinition<unknown>[]) {
            const scratch = fold(definition, events);
            const resumed = fold(
              definition,
              events.slice(split),
              restore(definition, fold(definition, events.slice(0, split))),
            );
            // Live: folded in steps, the rows computed after each (their caches kept between steps), as a runner does.
            let live = definition.init();
            let at = 0;
            for (let i = 0; at < events.length; i++) {
              const next = Math.min(events.length, at + chunks[i % chunks.length]!);
              live = fold(definition, events.slice(at, next), live);
              at = next;
              definition.rows(live, asOfs[i % 2]!);
            }
            for (const asOf of asOfs) {
              const expected = comparable(definition.rows(scratch, asOf));
              expect(
                comparable(definition.rows(resumed, asOf)),
                `${definition.name} resumed at ${split}`,
              ).toEqual(expected);
              expect(comparable(definition.rows(live, asOf)), `${definition.name} live`).toEqual(expected);
            }
            // A snapshot of a restored state is the snapshot of the state it came from.
            const codec = snapshotCodecOf(definition)!;
            expect(JSON.stringify([...codec.encode(restore(definition, scratch))])).toBe(
              JSON.stringify([...codec.encode(scratch)]),
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);
});
