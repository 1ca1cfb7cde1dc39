import { appendEvents } from "../../src/event-log/append-events.js";
import { rawClient } from "../lib/database.js";
import { ceilingRow, companyUpdated, context, insertSql, registerCompanies } from "../lib/events.js";
import { interleave } from "../lib/timing.js";
import { PAIRS, type Workload } from "./types.js";

export const BATCH = 100;
const WARMUP_BATCHES = 3;
const INSERT_BATCH = insertSql(BATCH);

/** One caller, 100 events per call on 100 distinct streams vs one raw 100-row multi-row INSERT. */
export const appendBatch: Workload = {
  name: "append.batch100",
  ratioKey: "append.batch100.vs_ceiling",
  description: `appendEvents, ${BATCH} CompanyUpdated per call on ${BATCH} distinct streams, 1 caller`,
  ceilingDescription: `raw pg ${BATCH}-row multi-row INSERT (autocommit), 1 connection`,
  target: { kind: "ratio", min: 0.7, source: "issue 2" },
  poolSize: 4,
  steps: 1 + 2 * PAIRS,
  async run(bench, scale, step) {
    const batches = scale.batches;
    step("setup");
    await registerCompanies(bench, (WARMUP_BATCHES + batches) * BATCH);
    const client = await rawClient(bench.url);
    try {
      const indexes = (batch: number) => Array.from({ length: BATCH }, (_, i) => batch * BATCH + i);
      const ours = async (from: number, to: number) => {
        for (let batch = from; batch < to; batch++) {
          await appendEvents(bench.handle.db, indexes(batch).map(companyUpdated), context(bench));
        }
        return (to - from) * BATCH;
      };
      const ceiling = async (from: number, to: number) => {
        for (let batch = from; batch < to; batch++) {
          await client.query(INSERT_BATCH, indexes(batch).flatMap(ceilingRow));
        }
        return (to - from) * BATCH;
      };
      await ours(0, WARMUP_BATCHES);
      await ceiling(0, WARMUP_BATCHES);
      return await interleave(
        batches,
        PAIRS,
        (from, to) => ours(WARMUP_BATCHES + from, WARMUP_BATCHES + to),
        (from, to) => ceiling(WARMUP_BATCHES + from, WARMUP_BATCHES + to),
        (side) => step(side),
      );
    } finally {
      await client.end();
    }
  },
};
