import { appendEvents } from "../../src/event-log/append-events.js";
import { rawPool } from "../lib/database.js";
import {
  ceilingRow,
  companyUpdated,
  context,
  emmettCompanyUpdated,
  emmettWithSameLog,
  insertSql,
  registerCompanies,
} from "../lib/events.js";
import { concurrently, interleave, offsetSides } from "../lib/timing.js";
import { CONCURRENCY, SEGMENTS, WARMUP, type Workload } from "./types.js";

const INSERT_ONE = insertSql(1);

/** 16 callers on distinct streams, each side over a pool of 16 connections. */
export const appendConcurrent: Workload = {
  name: "append.concurrent16",
  description: `1 CompanyUpdated per call, ${CONCURRENCY} concurrent callers on distinct streams, pools of ${CONCURRENCY}`,
  sides: {
    ours: "appendEvents",
    emmett: "Emmett appendToStream",
    ceiling: `raw pg single-row INSERT (autocommit), ${CONCURRENCY} connections`,
  },
  ratios: [
    {
      key: "append.concurrent16.vs_emmett",
      of: "ours",
      to: "emmett",
      target: { min: 1.5, source: "issue 5" },
      headline: true,
    },
    {
      key: "append.concurrent16.vs_ceiling",
      of: "ours",
      to: "ceiling",
      target: { min: 0.75, source: "issue 5" },
      headline: true,
    },
  ],
  chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
  poolSize: CONCURRENCY,
  steps: 1 + 3 * SEGMENTS,
  async run(bench, scale, step) {
    const count = scale.concurrent;
    const warm = WARMUP * 4;
    step("setup");
    await registerCompanies(bench, warm + count);
    const emmett = await emmettWithSameLog(bench, CONCURRENCY);
    const pool = await rawPool(bench.url, CONCURRENCY);
    try {
      const sides = {
        ours: async (from: number, to: number) => {
          await concurrently(from, to, CONCURRENCY, async (i) => {
            await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench));
          });
          return to - from;
        },
        emmett: async (from: number, to: number) => {
          await concurrently(from, to, CONCURRENCY, async (i) => {
            const { stream, event } = emmettCompanyUpdated(i);
            await emmett.append(stream, [event]);
          });
          return to - from;
        },
        ceiling: async (from: number, to: number) => {
          await concurrently(from, to, CONCURRENCY, async (i) => {
            await pool.query(INSERT_ONE, ceilingRow(i));
          });
          return to - from;
        },
      };
      // Every pooled connection gets to plan the statements before the clock starts.
      for (const side of Object.values(sides)) await side(0, warm);
      return { rates: await interleave(count, SEGMENTS, offsetSides(sides, warm), step) };
    } finally {
      await pool.end();
      await emmett.close();
    }
  },
};
