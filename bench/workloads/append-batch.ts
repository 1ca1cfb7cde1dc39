import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { appendEvents } from "../../src/event-log/append-events.js";
import { rawClient } from "../lib/database.js";
import {
  COPY_SQL,
  ceilingRow,
  companyUpdated,
  context,
  copyText,
  emmettCompanyUpdated,
  emmettWithSameLog,
  insertSql,
  registerCompanies,
} from "../lib/events.js";
import { interleave, offsetSides } from "../lib/timing.js";
import { SEGMENTS, type Workload } from "./types.js";

export const BATCH = 100;
const WARMUP_BATCHES = 3;
const INSERT_BATCH = insertSql(BATCH);
/** COPY writes its rows to streams no other side uses (ceiling_events keeps (stream, version) unique). */
const COPY_STREAMS = 1_000_000;

/**
 * One caller, 100 events per call. Emmett appends to one stream per call, so the shared shape is 100
 * CompanyUpdated on one stream; ours is also measured on 100 distinct streams (issue 2's shape).
 */
export const appendBatch: Workload = {
  name: "append.batch100",
  description: `${BATCH} CompanyUpdated per call on one stream, 1 caller`,
  sides: {
    ours: "appendEvents, 100 events on one stream",
    emmett: "Emmett appendToStream, 100 events on one stream",
    ceiling: `raw pg ${BATCH}-row multi-row INSERT (autocommit), 1 connection`,
    copy: `raw pg COPY FROM STDIN of the same ${BATCH} rows (text format), 1 connection`,
    ours_streams: "appendEvents, 100 events on 100 distinct streams",
  },
  ratios: [
    {
      key: "append.batch100.vs_emmett",
      of: "ours",
      to: "emmett",
      target: { min: 1.5, source: "issue 5" },
      headline: true,
    },
    {
      key: "append.batch100.vs_ceiling",
      of: "ours",
      to: "ceiling",
      target: { min: 0.75, source: "issue 5" },
      headline: true,
    },
    { key: "append.batch100.vs_copy", of: "ours", to: "copy" },
    { key: "append.batch100.streams.vs_ceiling", of: "ours_streams", to: "ceiling" },
  ],
  chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
  poolSize: 4,
  steps: 1 + 5 * SEGMENTS,
  async run(bench, scale, step) {
    const batches = scale.batches;
    step("setup");
    await registerCompanies(bench, (WARMUP_BATCHES + batches) * BATCH);
    const emmett = await emmettWithSameLog(bench, 4);
    const client = await rawClient(bench.url);
    try {
      const offsets = Array.from({ length: BATCH }, (_, i) => i);
      // Batch b on one stream: company b gets versions 2..101 (the sides write to different tables).
      const rows = (batch: number, stream: number) => offsets.map((i) => ceilingRow(batch, i + 2, stream));
      const batchesOf = (fn: (batch: number) => Promise<unknown>) => async (from: number, to: number) => {
        for (let batch = from; batch < to; batch++) await fn(batch);
        return (to - from) * BATCH;
      };
      const sides = {
        ours: batchesOf((batch) =>
          appendEvents(
            bench.handle.db,
            offsets.map(() => companyUpdated(batch)),
            context(bench),
          ),
        ),
        emmett: batchesOf((batch) => {
          const { stream, event } = emmettCompanyUpdated(batch);
          return emmett.append(
            stream,
            offsets.map(() => event),
          );
        }),
        ceiling: batchesOf((batch) => client.query(INSERT_BATCH, rows(batch, batch).flat())),
        copy: batchesOf((batch) =>
          pipeline(
            Readable.from([copyText(rows(batch, COPY_STREAMS + batch))]),
            client.query(copyFrom(COPY_SQL)),
          ),
        ),
        ours_streams: batchesOf((batch) =>
          appendEvents(
            bench.handle.db,
            offsets.map((i) => companyUpdated(batch * BATCH + i)),
            context(bench),
          ),
        ),
      };
      for (const side of Object.values(sides)) await side(0, WARMUP_BATCHES);
      return { rates: await interleave(batches, SEGMENTS, offsetSides(sides, WARMUP_BATCHES), step) };
    } finally {
      await client.end();
      await emmett.close();
    }
  },
};
