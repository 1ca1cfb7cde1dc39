import { isExpectedVersionConflictError } from "@event-driven-io/emmett";
import { appendEvents } from "../../src/event-log/append-events.js";
import { ConflictError } from "../../src/event-log/errors.js";
import { rawClient, rawPool } from "../lib/database.js";
import {
  ceilingRow,
  companyUpdated,
  context,
  emmettCompanyUpdated,
  emmettWithSameLog,
  insertSql,
  registerCompanies,
} from "../lib/events.js";
import { interleave } from "../lib/timing.js";
import { SEGMENTS, type Workload } from "./types.js";

const WRITERS = 8;
const HOT = 0;
const INSERT_ONE = insertSql(1);
const UNIQUE_VIOLATION = "23505";

/** One writer's attempt: true when appended, false on a version conflict. */
type Attempt = (expected: number, writer: number) => Promise<boolean>;

/**
 * 8 writers append to ONE stream, each with the version it last saw as the expected version; on a
 * conflict it reads the stream's current version (one indexed query, the same for every side) and tries
 * again. Rates count successful appends; the conflict rate is conflicts / attempts.
 */
export const appendHotStream: Workload = {
  name: "append.hot8",
  description: `1 CompanyUpdated per call on one stream with expected versions, ${WRITERS} concurrent writers retrying on conflict`,
  sides: {
    ours: "appendEvents with expectedVersion",
    emmett: "Emmett appendToStream with expectedStreamVersion",
    ceiling: "raw pg INSERT with the next stream_version (unique violation = conflict)",
  },
  ratios: [
    { key: "append.hot8.vs_emmett", of: "ours", to: "emmett" },
    { key: "append.hot8.vs_ceiling", of: "ours", to: "ceiling" },
  ],
  chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
  extras: {
    "conflicts.ours": { description: "conflict rate of ours (conflicts / attempts)" },
    "conflicts.emmett": { description: "conflict rate of Emmett" },
    "conflicts.ceiling": { description: "conflict rate of the raw INSERT" },
  },
  poolSize: WRITERS,
  steps: 1 + 3 * SEGMENTS,
  async run(bench, scale, step) {
    step("setup");
    await registerCompanies(bench, 1);
    const emmett = await emmettWithSameLog(bench, WRITERS);
    const pool = await rawPool(bench.url, WRITERS);
    // One connection per ceiling writer: pg's pool.query discards a connection after any error.
    const clients = await Promise.all(Array.from({ length: WRITERS }, () => rawClient(bench.url)));
    const stream = `company-bench-${HOT}`;
    const { event: emmettEvent } = emmettCompanyUpdated(HOT);
    const ceilingStream = 1_000_000;
    const versions = {
      ours: async () =>
        Number(
          (await pool.query("select max(stream_version) as v from events where stream_id = $1", [stream]))
            .rows[0].v,
        ),
      emmett: async () =>
        Number(
          (await pool.query("select stream_position as v from emt_streams where stream_id = $1", [stream]))
            .rows[0]?.v ?? 0,
        ),
      ceiling: async () =>
        Number(
          (
            await pool.query(
              "select coalesce(max(stream_version), 0) as v from ceiling_events where stream_id = $1",
              [`company-bench-${ceilingStream}`],
            )
          ).rows[0].v,
        ),
    };
    const attempts: Record<keyof typeof versions, Attempt> = {
      ours: async (expected) => {
        try {
          await appendEvents(
            bench.handle.db,
            [{ ...companyUpdated(HOT), expectedVersion: expected }],
            context(bench),
          );
          return true;
        } catch (error) {
          if (error instanceof ConflictError) return false;
          throw error;
        }
      },
      emmett: async (expected) => {
        try {
          await emmett.append(stream, [emmettEvent], BigInt(expected));
          return true;
        } catch (error) {
          if (isExpectedVersionConflictError(error)) return false;
          throw error;
        }
      },
      ceiling: async (expected, writer) => {
        try {
          await clients[writer]!.query(INSERT_ONE, ceilingRow(HOT, expected + 1, ceilingStream));
          return true;
        } catch (error) {
          if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
          throw error;
        }
      },
    };
    const counts = {
      ours: { tries: 0, conflicts: 0 },
      emmett: { tries: 0, conflicts: 0 },
      ceiling: { tries: 0, conflicts: 0 },
    };
    const side = (name: keyof typeof versions) => async (from: number, to: number) => {
      let appended = 0;
      const writer = async (_: unknown, index: number) => {
        let expected = await versions[name]();
        while (appended < to - from) {
          counts[name].tries++;
          if (await attempts[name](expected, index)) {
            appended++;
            expected++;
          } else {
            counts[name].conflicts++;
            expected = await versions[name]();
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, writer));
      return appended;
    };
    try {
      const sides = { ours: side("ours"), emmett: side("emmett"), ceiling: side("ceiling") };
      for (const warm of Object.values(sides)) await warm(0, 32);
      for (const count of Object.values(counts)) Object.assign(count, { tries: 0, conflicts: 0 });
      const rates = await interleave(scale.hot, SEGMENTS, sides, step);
      const rate = (name: keyof typeof counts) => counts[name].conflicts / Math.max(1, counts[name].tries);
      return {
        rates,
        extra: {
          "conflicts.ours": rate("ours"),
          "conflicts.emmett": rate("emmett"),
          "conflicts.ceiling": rate("ceiling"),
        },
      };
    } finally {
      await pool.end();
      for (const client of clients) await client.end();
      await emmett.close();
    }
  },
};
