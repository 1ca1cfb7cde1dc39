import { appendEvents } from "../../src/event-log/append-events.js";
import { companyUpdated, context, registerCompanies } from "../lib/events.js";
import { createHttpLoad } from "../lib/http-load.js";
import { postgresCpuSeconds, sampleProcess } from "../lib/process-stats.js";
import { startServerProcess } from "../lib/server-process.js";
import { concurrently, interleave, offsetSides, type Segment } from "../lib/timing.js";
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
    "cpu.http.api_ms": { description: "CPU ms per request: the API process" },
    "cpu.http.load_ms": { description: "CPU ms per request: the load generator (bench process)" },
    "cpu.http.pg_ms": { description: "CPU ms per request: PostgreSQL" },
    "cpu.library.bench_ms": { description: "CPU ms per append: the library's caller (bench process)" },
    "cpu.library.pg_ms": { description: "CPU ms per append: PostgreSQL" },
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
      // Where each side's CPU goes (this machine has 2 cores: every process competes for them).
      const cpu = {
        http: { own: 0, api: 0, pg: 0, events: 0 },
        library: { own: 0, api: 0, pg: 0, events: 0 },
      };
      const apiCpu = async () => (await sampleProcess(server.pid)).cpuSeconds;
      const metered =
        (name: keyof typeof cpu, segment: Segment): Segment =>
        async (from, to) => {
          const [pg0, api0, own0] = [await postgresCpuSeconds(), await apiCpu(), process.cpuUsage()];
          const events = await segment(from, to);
          const own = process.cpuUsage(own0);
          const total = cpu[name];
          total.own += (own.user + own.system) / 1e6;
          total.api += (await apiCpu()) - api0;
          total.pg += (await postgresCpuSeconds()) - pg0;
          total.events += events;
          return events;
        };
      const timed = offsetSides(sides, warm);
      const rates = await interleave(
        count,
        SEGMENTS,
        { http: metered("http", timed.http), library: metered("library", timed.library) },
        step,
      );
      const { hwmMiB } = await sampleProcess(server.pid);
      const perEvent = (seconds: number, events: number) => (1000 * seconds) / events;
      return {
        rates,
        extra: {
          "rss.api.peak_mib": hwmMiB,
          "cpu.http.api_ms": perEvent(cpu.http.api, cpu.http.events),
          "cpu.http.load_ms": perEvent(cpu.http.own, cpu.http.events),
          "cpu.http.pg_ms": perEvent(cpu.http.pg, cpu.http.events),
          "cpu.library.bench_ms": perEvent(cpu.library.own, cpu.library.events),
          "cpu.library.pg_ms": perEvent(cpu.library.pg, cpu.library.events),
        },
      };
    } finally {
      load.close();
      await server.stop();
    }
  },
};
