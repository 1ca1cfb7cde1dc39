import { appendEvents } from "../../src/event-log/append-events.js";
import { rawClient } from "../lib/database.js";
import {
  ceilingRow,
  companyUpdated,
  context,
  emmettCompanyUpdated,
  emmettWithSameLog,
  insertSql,
  registerCompanies,
} from "../lib/events.js";
import { interleave, offsetSides } from "../lib/timing.js";
import { SEGMENTS, WARMUP, type Workload } from "./types.js";

const INSERT_ONE = insertSql(1);

/** One caller, one event per call: `appendEvents` vs Emmett's `appendToStream` vs one autocommit INSERT. */
export const appendSequential: Workload = {
  name: "append.sequential",
  description: "1 CompanyUpdated per call, 1 caller, distinct already-registered streams",
  sides: {
    ours: "appendEvents (validation, reference checks, stream rules, idempotency, one statement)",
    emmett: "Emmett appendToStream (its transaction + emt_append_to_stream)",
    ceiling: "raw pg single-row INSERT (autocommit) into ceiling_events, 1 connection",
  },
  ratios: [
    {
      key: "append.sequential.vs_emmett",
      of: "ours",
      to: "emmett",
      target: { min: 1.5, source: "issue 5" },
      headline: true,
    },
    {
      key: "append.sequential.vs_ceiling",
      of: "ours",
      to: "ceiling",
      target: { min: 0.75, source: "issue 5" },
      headline: true,
    },
  ],
  chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
  poolSize: 4,
  steps: 1 + 3 * SEGMENTS,
  async run(bench, scale, step) {
    const count = scale.sequential;
    step("setup");
    await registerCompanies(bench, WARMUP + count);
    const emmett = await emmettWithSameLog(bench, 4);
    const client = await rawClient(bench.url);
    try {
      const sides = {
        ours: async (from: number, to: number) => {
          for (let i = from; i < to; i++)
            await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench));
          return to - from;
        },
        emmett: async (from: number, to: number) => {
          for (let i = from; i < to; i++) {
            const { stream, event } = emmettCompanyUpdated(i);
            await emmett.append(stream, [event]);
          }
          return to - from;
        },
        ceiling: async (from: number, to: number) => {
          for (let i = from; i < to; i++) await client.query(INSERT_ONE, ceilingRow(i));
          return to - from;
        },
      };
      for (const side of Object.values(sides)) await side(0, WARMUP);
      return { rates: await interleave(count, SEGMENTS, offsetSides(sides, WARMUP), step) };
    } finally {
      await client.end();
      await emmett.close();
    }
  },
};
