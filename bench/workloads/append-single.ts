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
import { CONCURRENCY, type Scale, SEGMENTS, WARMUP, type Workload } from "./types.js";

const INSERT_ONE = insertSql(1);

/**
 * One CompanyUpdated per call on distinct registered streams, from `callers` concurrent callers, each side
 * over a pool of as many connections: `appendEvents` vs Emmett's `appendToStream` vs one autocommit INSERT.
 */
function singleAppends(name: string, callers: number, count: (scale: Scale) => number): Workload {
  const many = callers > 1;
  // Every pooled connection gets to plan its statements before the clock starts.
  const warm = many ? WARMUP * 4 : WARMUP;
  const poolSize = Math.max(4, callers);
  return {
    name,
    description: `1 CompanyUpdated per call, ${callers} ${many ? "concurrent callers" : "caller"} on distinct registered streams${many ? `, pools of ${callers}` : ""}`,
    sides: {
      ours: "appendEvents (validation, reference checks, stream rules, idempotency, one statement)",
      emmett: "Emmett appendToStream (its transaction + emt_append_to_stream)",
      ceiling: `raw pg single-row INSERT (autocommit) into ceiling_events, ${callers} connection${many ? "s" : ""}`,
    },
    ratios: [
      {
        key: `${name}.vs_emmett`,
        of: "ours",
        to: "emmett",
        target: { min: 1.5, source: "issue 5" },
        headline: true,
      },
      {
        key: `${name}.vs_ceiling`,
        of: "ours",
        to: "ceiling",
        target: { min: 0.75, source: "issue 5" },
        headline: true,
      },
    ],
    chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
    poolSize,
    steps: 1 + 3 * SEGMENTS,
    async run(bench, scale, step) {
      step("setup");
      await registerCompanies(bench, warm + count(scale));
      const emmett = await emmettWithSameLog(bench, poolSize);
      const pool = await rawPool(bench.url, callers);
      const each = (task: (i: number) => Promise<unknown>) => async (from: number, to: number) => {
        await concurrently(from, to, callers, async (i) => {
          await task(i);
        });
        return to - from;
      };
      try {
        const sides = {
          ours: each((i) => appendEvents(bench.handle.db, [companyUpdated(i)], context(bench))),
          emmett: each((i) => {
            const { stream, event } = emmettCompanyUpdated(i);
            return emmett.append(stream, [event]);
          }),
          ceiling: each((i) => pool.query(INSERT_ONE, ceilingRow(i))),
        };
        for (const side of Object.values(sides)) await side(0, warm);
        return { rates: await interleave(count(scale), SEGMENTS, offsetSides(sides, warm), step) };
      } finally {
        await pool.end();
        await emmett.close();
      }
    },
  };
}

export const appendSequential = singleAppends("append.sequential", 1, (scale) => scale.sequential);
export const appendConcurrent = singleAppends(
  "append.concurrent16",
  CONCURRENCY,
  (scale) => scale.concurrent,
);
