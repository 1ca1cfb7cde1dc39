import { performance } from "node:perf_hooks";
import { layerOwnership } from "../../projections/index.js";
import type { RecordedEvent } from "../../src/domain/event-types.js";
import { appendEvents } from "../../src/event-log/append-events.js";
import { createProjector } from "../../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";
import { resetProjections } from "../lib/database.js";
import { copyLogToEmmett, openEmmett, runEmmettConsumer } from "../lib/emmett.js";
import { context } from "../lib/events.js";
import { rate } from "../lib/stats.js";
import { SyntheticLog } from "../lib/synthetic-log.js";
import type { Workload } from "./types.js";

const CLOCK = new Date("2026-12-31T12:00:00.000Z");
const AS_OF = CLOCK.toISOString().slice(0, 10);
const BATCH = 1000;
const projection = layerOwnership as unknown as ProjectionDefinition<unknown>;

/**
 * A projection catching up from the start of a synthetic log (companies, deals, lifecycle: the product's
 * own mix) with the same reducer on both sides, the layer-ownership projection:
 * - ours: the projector (lease, shared page reads, fold, read-model rows + view changes + checkpoint in
 *   one transaction per step), timed until its live build's checkpoint is at the head of the log;
 * - Emmett: its consumer with one reactor from the beginning (batches of 1000, its checkpoint stored after
 *   each message), folding every message with the same reducer, then computing the view's rows once; timed until
 *   it stops with no messages left.
 */
export const projectionCatchUp: Workload = {
  name: "projection.catchup",
  description: "layer-ownership projection catching up from the start of a synthetic log",
  sides: {
    ours: "createProjector (fold + read model + view changes + checkpoint per step)",
    emmett:
      "Emmett postgreSQLEventStoreConsumer + reactor (fold per message, its checkpoint per message, rows once at the end)",
  },
  ratios: [
    {
      key: "projection.catchup.vs_emmett",
      of: "ours",
      to: "emmett",
      target: { min: 5, source: "issue 5" },
      headline: true,
    },
  ],
  chart: { ours: "ours", emmett: "emmett" },
  poolSize: 8,
  steps: 1 + 2,
  async run(bench, scale, step, run) {
    const count = scale.catchUp;
    step("setup");
    const generator = new SyntheticLog({
      events: count,
      companies: Math.max(100, count / 20),
      deals: count / 5,
      seed: 20_261_122,
    });
    let loaded = 0;
    while (loaded < count) {
      const batch = generator.nextBatch(Math.min(BATCH, count - loaded));
      await appendEvents(bench.handle.db, batch, context(bench));
      loaded += batch.length;
    }
    const pool = bench.handle.pool!;
    await pool.query("vacuum analyze events");
    // Emmett's schema, created once, untimed (its consumer connects per run, as in an app).
    const emmett = await openEmmett(bench.url, 2);
    await emmett.close();
    await copyLogToEmmett(bench.url);
    await pool.query("checkpoint");
    const head = Number((await pool.query("select max(position) as head from events")).rows[0].head);

    const ours = async () => {
      await resetProjections(bench);
      const started = performance.now();
      const projector = createProjector({
        db: bench.handle.db,
        logId: bench.logId,
        projections: [projection],
        databaseUrl: bench.url,
        clock: () => CLOCK,
        pollMs: 20,
        log: () => {},
      });
      try {
        for (;;) {
          const { rows } = await pool.query(
            `select b.cursor_position as position, b.status from projections p
               join projection_builds b on b.name = p.name and b.build = p.live_build`,
          );
          if (rows[0]?.status === "failed") throw new Error("the projection failed during the catch-up");
          if (Number(rows[0]?.position ?? 0) >= head) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return rate(count, performance.now() - started);
      } finally {
        await projector.stop();
      }
    };
    const emmettSide = async () => {
      const started = performance.now();
      let state = projection.init();
      let seen = 0;
      const consumer = runEmmettConsumer(bench.url, {
        processorId: `catchup-${run}-${performance.now()}`,
        batchSize: BATCH,
        untilEmpty: true,
        // Its fastest setting (default: 50 ms between pulls).
        pullingFrequencyInMs: 1,
        eachMessage: (message) => {
          const event: RecordedEvent = {
            eventId: message.messageId,
            type: message.type,
            data: message.data,
            position: Number(message.globalPosition),
            recordedAt: new Date(message.metadata.recordedAt as string).toISOString(),
          };
          state = projection.apply(state, event);
          seen++;
        },
      });
      await consumer.done;
      projection.rows(state, AS_OF);
      const elapsed = performance.now() - started;
      await consumer.stop();
      if (seen !== count) throw new Error(`Emmett's consumer delivered ${seen} of ${count} events`);
      return rate(count, elapsed);
    };
    const order = run % 2 === 1 ? (["ours", "emmett"] as const) : (["emmett", "ours"] as const);
    const rates: Record<string, number> = {};
    for (const side of order) {
      rates[side] = side === "ours" ? await ours() : await emmettSide();
      step(side);
    }
    return { rates };
  },
};
