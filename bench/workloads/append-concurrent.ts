import { appendEvents } from "../../src/event-log/append-events.js";
import { rawPool } from "../lib/database.js";
import { ceilingRow, companyUpdated, context, insertSql, registerCompanies } from "../lib/events.js";
import { concurrently, interleave } from "../lib/timing.js";
import { CONCURRENCY, PAIRS, WARMUP, type Workload } from "./types.js";

const INSERT_ONE = insertSql(1);

/** 16 callers on distinct streams: `appendEvents` over a pool of 16 vs 16 raw connections INSERTing. */
export const appendConcurrent: Workload = {
  name: "append.concurrent16",
  ratioKey: "append.concurrent16.vs_ceiling",
  description: `appendEvents, 1 CompanyUpdated per call, ${CONCURRENCY} concurrent callers (pool of ${CONCURRENCY}), distinct streams`,
  ceilingDescription: `raw pg single-row INSERT (autocommit), ${CONCURRENCY} concurrent connections`,
  target: { kind: "ratio", min: 0.75, source: "issue 2" },
  poolSize: CONCURRENCY,
  steps: 1 + 2 * PAIRS,
  async run(bench, scale, step) {
    const count = scale.concurrent;
    step("setup");
    await registerCompanies(bench, WARMUP * 4 + count);
    const pool = await rawPool(bench.url, CONCURRENCY);
    try {
      const ours = async (from: number, to: number) => {
        await concurrently(from, to, CONCURRENCY, async (i) => {
          await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench));
        });
        return to - from;
      };
      const ceiling = async (from: number, to: number) => {
        await concurrently(from, to, CONCURRENCY, async (i) => {
          await pool.query(INSERT_ONE, ceilingRow(i));
        });
        return to - from;
      };
      // Every pooled connection gets to plan the statements before the clock starts.
      await ours(0, WARMUP * 4);
      await ceiling(0, WARMUP * 4);
      const offset = WARMUP * 4;
      return await interleave(
        count,
        PAIRS,
        (from, to) => ours(offset + from, offset + to),
        (from, to) => ceiling(offset + from, offset + to),
        (side) => step(side),
      );
    } finally {
      await pool.end();
    }
  },
};
