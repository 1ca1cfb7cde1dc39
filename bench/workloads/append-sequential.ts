import { appendEvents } from "../../src/event-log/append-events.js";
import { rawClient } from "../lib/database.js";
import { ceilingRow, companyUpdated, context, insertSql, registerCompanies } from "../lib/events.js";
import { interleave } from "../lib/timing.js";
import { PAIRS, WARMUP, type Workload } from "./types.js";

const INSERT_ONE = insertSql(1);

/** One caller, one event per call: `appendEvents` vs one autocommit single-row INSERT per event. */
export const appendSequential: Workload = {
  name: "append.sequential",
  ratioKey: "append.sequential.vs_ceiling",
  description: "appendEvents, 1 CompanyUpdated per call, 1 caller, distinct registered companies",
  ceilingDescription: "raw pg single-row INSERT (autocommit) into ceiling_events, 1 connection",
  target: { kind: "ratio", min: 0.75, source: "issue 2" },
  poolSize: 4,
  steps: 1 + 2 * PAIRS,
  async run(bench, scale, step) {
    const count = scale.sequential;
    step("setup");
    await registerCompanies(bench, WARMUP + count);
    const client = await rawClient(bench.url);
    try {
      const ours = async (from: number, to: number) => {
        for (let i = from; i < to; i++)
          await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench));
        return to - from;
      };
      const ceiling = async (from: number, to: number) => {
        for (let i = from; i < to; i++) await client.query(INSERT_ONE, ceilingRow(i));
        return to - from;
      };
      await ours(0, WARMUP);
      await ceiling(0, WARMUP);
      return await interleave(
        count,
        PAIRS,
        (from, to) => ours(WARMUP + from, WARMUP + to),
        (from, to) => ceiling(WARMUP + from, WARMUP + to),
        (side) => step(side),
      );
    } finally {
      await client.end();
    }
  },
};
