import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { snapshotCodecOf } from "../src/projector/snapshot-codec-of.js";
import { encodeSnapshot } from "../src/projector/snapshot-store.js";
import { dealRecords, layerOwnership } from "./index.js";
import { randomLog } from "./test-support/random-log.js";
import { decodeBytes, records } from "./test-support/snapshots.js";

describe("a snapshot encoded while the fold goes on", () => {
  // The encoder releases the state at once (copy-on-write) or once it has taken the records, and the shared
  // fold applies the next pages (touching each event first) while they are serialized: the snapshot must
  // still be the state at its cursor, even when the events folded meanwhile correct earlier events (which
  // replaces their data and extends their lists). Here the whole rest is folded before any deal is produced.
  for (const definition of [dealRecords, layerOwnership] as ProjectionDefinition<unknown>[]) {
    it(`${definition.name}: equals the state it was taken from, whatever is folded after the release`, async () => {
      const codec = snapshotCodecOf(definition)!;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1e6 }),
          fc.double({ min: 0.1, max: 0.9 }),
          async (seed, cut) => {
            const log = randomLog(seed, 400, 20_000, { partyCorrections: 0.05 });
            const at = Math.floor(log.length * cut);
            let state = definition.init();
            for (const event of log.slice(0, at)) state = definition.apply(state, event);
            const expected = records(codec, state);
            const snapshot = await encodeSnapshot(
              codec,
              { state, cursor: { xid: "1", position: at }, events: at },
              (inProgress) => {
                for (const event of log.slice(at)) {
                  inProgress?.touch(event);
                  state = definition.apply(state, event);
                }
              },
            );
            expect(records(codec, decodeBytes(codec, snapshot.bytes))).toEqual(expected);
            // The fold really went on (otherwise the property says nothing).
            expect(records(codec, state)).not.toEqual(expected);
          },
        ),
        { numRuns: 15 },
      );
    }, 60_000);
  }
});
