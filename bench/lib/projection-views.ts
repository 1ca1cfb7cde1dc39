/**
 * The views over HTTP, from API processes without a projector (`stackledger serve` with
 * STACKLEDGER_PROJECTOR=false, the way a fleet runs them beside `stackledger project`):
 *
 * - current views: one API process, `warmup` then `requests` sequential GETs of each view's first page,
 *   timed until the whole body is read; that process's peak RSS (VmHWM) after serving them;
 * - the first `asOf` and the first `knownAt` request of a FRESH process: one new process per view, kind of
 *   request and repetition, so that every first request starts from nothing but the snapshots in
 *   state_snapshots; then `later` more of the same request; the process's peak RSS after them.
 */
import { sampleProcess } from "./process-stats.js";
import { type ServerProcess, startServerProcess } from "./server-process.js";
import { percentile } from "./stats.js";

export const VIEWS = [
  { name: "layers", path: "/v1/views/layers" },
  { name: "dependencies", path: "/v1/views/dependencies" },
  { name: "rankings", path: "/v1/views/rankings" },
  { name: "deals", path: "/v1/deals" },
] as const;

export interface ViewsOptions {
  readonly databaseUrl: string;
  readonly requests: number;
  readonly warmup: number;
  /** Fresh processes per view and kind of request. */
  readonly repetitions: number;
  /** Requests after the first one in each fresh process. */
  readonly later: number;
  readonly asOf: string;
  /** A cursor half-way through the log. */
  readonly knownAt: string;
  readonly log: (line: string) => void;
}

export interface FirstAndLater {
  /** One per fresh process, ms. */
  readonly first: number[];
  readonly later: number[];
}

export interface ViewsRun {
  readonly current: Record<string, { ms: number[]; bytes: number }>;
  readonly asOf: Record<string, FirstAndLater>;
  readonly knownAt: Record<string, FirstAndLater>;
  /** VmHWM of the process that served the current views, MiB. */
  readonly currentApiPeakRssMiB: number;
  /** VmHWM of each fresh process after its as-of or knownAt requests, MiB. */
  readonly freshApiPeakRssMiB: number[];
  /** Fresh-process measurements that failed (a process that died, a request that failed or timed out). */
  readonly failures: string[];
  /** Spawn to "listening" of each API process, ms. */
  readonly startMs: number[];
}

export async function measureViews(options: ViewsOptions): Promise<ViewsRun> {
  const startMs: number[] = [];
  const start = async () => {
    const started = performance.now();
    const server = await startServerProcess({
      DATABASE_URL: options.databaseUrl,
      STACKLEDGER_PROJECTOR: "false",
      STACKLEDGER_TOKENS: "bench-views-token=admin",
      // One request log line per request would measure the pipe to the bench, not the API.
      LOG_LEVEL: "warn",
    });
    startMs.push(performance.now() - started);
    return server;
  };

  const current: ViewsRun["current"] = {};
  let currentApiPeakRssMiB = Number.NaN;
  let server: ServerProcess | undefined = await start();
  try {
    for (const view of VIEWS) {
      const url = `${server.url}${view.path}`;
      for (let i = 0; i < options.warmup; i++) await timedGet(url);
      const ms: number[] = [];
      let bytes = 0;
      for (let i = 0; i < options.requests; i++) {
        const response = await timedGet(url);
        ms.push(response.ms);
        bytes = response.bytes;
      }
      current[view.name] = { ms, bytes };
      options.log(
        `  projections: GET ${view.path} (current): p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, ${Math.round(bytes / 1024)} KiB`,
      );
    }
    currentApiPeakRssMiB = (await sampleProcess(server.pid)).hwmMiB;
  } finally {
    await server.stop();
    server = undefined;
  }

  const kinds = [
    ["asOf", `asOf=${options.asOf}`],
    ["knownAt", `knownAt=${encodeURIComponent(options.knownAt)}`],
  ] as const;
  const past: Record<"asOf" | "knownAt", Record<string, { first: number[]; later: number[] }>> = {
    asOf: Object.fromEntries(VIEWS.map((v) => [v.name, { first: [], later: [] }])),
    knownAt: Object.fromEntries(VIEWS.map((v) => [v.name, { first: [], later: [] }])),
  };
  const freshApiPeakRssMiB: number[] = [];
  const failures: string[] = [];
  for (let repetition = 1; repetition <= options.repetitions; repetition++) {
    for (const [kind, query] of kinds) {
      for (const view of VIEWS) {
        let fresh: ServerProcess | undefined;
        try {
          fresh = await start();
          const url = `${fresh.url}${view.path}?${query}`;
          const first = (await timedGet(url)).ms;
          const later: number[] = [];
          for (let i = 0; i < options.later; i++) later.push((await timedGet(url)).ms);
          past[kind][view.name]!.first.push(first);
          past[kind][view.name]!.later.push(...later);
          freshApiPeakRssMiB.push((await sampleProcess(fresh.pid)).hwmMiB);
          options.log(
            `  projections: GET ${view.path}?${kind} in a fresh API process (${repetition}/${options.repetitions}): ` +
              `first ${first.toFixed(0)} ms, later ${later.map((ms) => ms.toFixed(0)).join(", ")} ms; ` +
              `peak RSS ${freshApiPeakRssMiB.at(-1)!.toFixed(0)} MiB`,
          );
        } catch (error) {
          // At scale a fold may exhaust the process's memory or the client's timeout: that is a figure too,
          // and the rest of a long run must not be lost for it.
          const failure = `GET ${view.path}?${kind} in a fresh API process (${repetition}/${options.repetitions}): ${(error as Error).message.slice(0, 300)}`;
          failures.push(failure);
          options.log(`  projections: FAILED ${failure}`);
        } finally {
          await fresh?.stop();
        }
      }
    }
  }
  return {
    current,
    failures,
    asOf: past.asOf,
    knownAt: past.knownAt,
    currentApiPeakRssMiB,
    freshApiPeakRssMiB,
    startMs,
  };
}

async function timedGet(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 500)}`);
  return { ms, bytes: Buffer.byteLength(body) };
}
