import { appendEvents } from "../../src/event-log/append-events.js";
import { companyUpdated, context, registerCompanies } from "../lib/events.js";
import { createHttpLoad } from "../lib/http-load.js";
import { sampleProcess } from "../lib/process-stats.js";
import { startServerProcess } from "../lib/server-process.js";
import { concurrently, interleave, offsetSides } from "../lib/timing.js";
import { CONCURRENCY, SEGMENTS, WARMUP, type Workload } from "./types.js";

const CLIENTS = 32;
const TOKEN = "bench-append-token";

/**
 * `POST /v1/events` with one event per request from 32 concurrent keep-alive connections against
 * `stackledger serve` in its own process (pool of 16, projector off: the API process alone), vs the
 * library's own rate with 16 concurrent callers on a pool of 16 in the bench process, in the same run.
 * The API process's peak RSS (VmHWM) is read from /proc after the run.
 */
export const httpAppend: Workload = {
  name: "http.append",
  description: `1 CompanyUpdated per request, ${CLIENTS} concurrent keep-alive connections (bench/lib/http-load.ts)`,
  sides: {
    http: "POST /v1/events to `stackledger serve` (own process, pool of 16, STACKLEDGER_PROJECTOR=false)",
    library: `appendEvents with ${CONCURRENCY} concurrent callers on a pool of ${CONCURRENCY} (library, bench process)`,
  },
  ratios: [
    {
      key: "http.append.vs_library",
      of: "http",
      to: "library",
      target: { min: 0.7, source: "issue 5" },
      headline: true,
    },
  ],
  chart: { ours: "http", ceiling: "library" },
  extras: {
    "rss.api.peak_mib": {
      description: "peak RSS (VmHWM) of the API process",
      max: { min: 300, source: "issue 5" },
    },
  },
  poolSize: CONCURRENCY,
  steps: 1 + 2 * SEGMENTS,
  async run(bench, scale, step) {
    const count = scale.http;
    step("setup");
    // HTTP and the library both write to `events`: each gets its own companies.
    const warm = WARMUP * 4;
    const libraryBase = warm + count;
    await registerCompanies(bench, 2 * (warm + count), undefined, false);
    const server = await startServerProcess({
      DATABASE_URL: bench.url,
      STACKLEDGER_TOKENS: `${TOKEN}=append`,
      STACKLEDGER_PROJECTOR: "false",
      STACKLEDGER_DEMO_DATA: "false",
      STACKLEDGER_POOL_SIZE: String(CONCURRENCY),
    });
    const load = await createHttpLoad(
      new URL("/v1/events", server.url).toString(),
      CLIENTS,
      { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      201,
    );
    try {
      const sides = {
        http: async (from: number, to: number) => {
          await load.run(from, to, (i) => JSON.stringify({ events: [companyUpdated(i)] }));
          return to - from;
        },
        library: async (from: number, to: number) => {
          await concurrently(libraryBase + from, libraryBase + to, CONCURRENCY, async (i) => {
            await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench));
          });
          return to - from;
        },
      };
      for (const side of Object.values(sides)) await side(0, warm);
      const rates = await interleave(count, SEGMENTS, offsetSides(sides, warm), step);
      const { hwmMiB } = await sampleProcess(server.pid);
      return { rates, extra: { "rss.api.peak_mib": hwmMiB } };
    } finally {
      load.close();
      await server.stop();
    }
  },
};
