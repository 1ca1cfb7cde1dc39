import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayToIso, type StateCodec } from "../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../src/projector/definition.js";
import { snapshotCodecOf } from "../src/projector/snapshot-codec-of.js";
import { encodeSnapshot, type SnapshotInProgress } from "../src/projector/snapshot-store.js";
import { dealRecords, PROJECTIONS } from "./index.js";
import { randomLog } from "./test-support/random-log.js";
import { decodeBytes, fold, records } from "./test-support/snapshots.js";

const comparable = (rows: ReadModelRow[]) =>
  rows.map((row) => ({ key: row.key, sortKey: row.sortKey, json: row.json ?? JSON.stringify(row.body) }));
/** The projections a state serves: all four from the deal records' (its `domain` for the views). */
const views = (codec: StateCodec<unknown>) =>
  (PROJECTIONS as readonly ProjectionDefinition<unknown>[]).filter(
    (p) => codec.kind === "deal-records" || snapshotCodecOf(p)?.kind === codec.kind,
  );
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// The two codecs: the deal records' state (which holds the domain state) and the views' domain state.
const FOLDS = [
  dealRecords,
  PROJECTIONS.find((p) => snapshotCodecOf(p as never)?.kind === "domain")!,
] as ProjectionDefinition<unknown>[];

describe("a copy-on-write snapshot, its records produced while the fold goes on", () => {
  it("every codec of the projections takes copy-on-write snapshots", () => {
    for (const definition of PROJECTIONS)
      expect(snapshotCodecOf(definition as never)?.beginSnapshot).toBeDefined();
  });

  for (const definition of FOLDS) {
    it(`${definition.name}: decodes to the state at its point, and the views equal those of a fold from scratch`, async () => {
      const codec = snapshotCodecOf(definition)!;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1e6 }),
          fc.integer({ min: 60, max: 500 }),
          fc.double({ min: 0, max: 0.95, noNaN: true }),
          // Turns of the event loop (records serialized, one a turn) between two chunks of the fold, and
          // the chunks' sizes.
          fc.integer({ min: 1, max: 12 }),
          fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }),
          async (seed, size, cut, pause, chunks) => {
            const log = randomLog(seed, size, 20_000, { partyCorrections: 0.05 });
            const at = Math.floor(log.length * cut);
            const live = { state: fold(definition, log.slice(0, at)) };
            let inProgress: SnapshotInProgress | undefined;
            let foldedWhileOpen = 0;
            // The fold, a chunk per turn of the event loop, touching each event first while the records are
            // produced (as the fold host does); it goes on until the whole log is folded.
            const folding = (async () => {
              await nextTurn();
              for (let next = at, i = 0; next < log.length; i++) {
                const end = Math.min(log.length, next + chunks[i % chunks.length]!);
                for (const event of log.slice(next, end)) {
                  if (inProgress && !inProgress.produced) {
                    inProgress.touch(event);
                    foldedWhileOpen += 1;
                  }
                  live.state = definition.apply(live.state, event);
                }
                next = end;
                for (let turn = 0; turn < pause; turn++) await nextTurn();
              }
            })();
            const snapshot = await encodeSnapshot(
              codec,
              { state: live.state, cursor: { xid: "1", position: at }, events: at },
              (open) => {
                inProgress = open;
              },
              { sliceMs: 0 },
            );
            await folding;
            expect(inProgress).toBeDefined();
            const scratch = fold(definition, log.slice(0, at));
            const decoded = decodeBytes(codec, snapshot.bytes);
            expect(records(codec, decoded)).toEqual(records(codec, scratch));
            for (const view of views(codec)) {
              const select = (state: unknown) =>
                codec.kind === "deal-records" && view !== dealRecords
                  ? (state as { domain: unknown }).domain
                  : state;
              for (const asOf of [dayToIso(20_000), dayToIso(20_000 + Math.floor(size / 7) + 30)])
                expect(comparable(view.rows(select(decoded), asOf)), view.name).toEqual(
                  comparable(view.rows(select(scratch), asOf)),
                );
            }
            // The fold was not disturbed, and it really went on while records remained (when there was
            // anything left to fold), else the property says nothing.
            expect(records(codec, live.state)).toEqual(records(codec, fold(definition, log)));
            if (at < log.length && [...codec.encode(scratch)].length > 2 * (pause + 1))
              expect(foldedWhileOpen).toBeGreaterThan(0);
          },
        ),
        { numRuns: 40 },
      );
    }, 120_000);
  }
});
