/**
 * The benchmark harness: `npm run bench` (full) or `npm run bench -- --quick`.
 * Options: --runs N (default 3), --only name[,name] (no results file is written then); the name
 * `projections` selects the projection benchmarks (bench/workloads/projections.ts), which run last,
 * and `feed` the change-feed benchmarks (bench/workloads/feed-fanout.ts), which run after them.
 * See docs/benchmarks.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeMachine, dropLiveDatabases, SERVER_URL, withBenchDatabase } from "./lib/database.js";
import { createProgress } from "./lib/progress.js";
import { formatRate, formatTable, isMet, type Results, type WorkloadResult } from "./lib/report.js";
import { summarize } from "./lib/stats.js";
import { appendBatch } from "./workloads/append-batch.js";
import { appendConcurrent } from "./workloads/append-concurrent.js";
import { appendSequential } from "./workloads/append-sequential.js";
import {
  FEED_FULL,
  FEED_QUICK,
  type FeedResult,
  formatFeedTable,
  runFeedBenchmark,
} from "./workloads/feed-fanout.js";
import { httpAppend } from "./workloads/http-append.js";
import {
  formatProjectionsTable,
  PROJECTIONS_FULL,
  PROJECTIONS_QUICK,
  type ProjectionsResult,
  runProjectionsBenchmark,
} from "./workloads/projections.js";
import { readAllWorkload } from "./workloads/read-all.js";
import type { Scale, Workload } from "./workloads/types.js";

const WORKLOADS: readonly Workload[] = [
  appendSequential,
  appendConcurrent,
  appendBatch,
  httpAppend,
  readAllWorkload,
];

/** The projection benchmarks: one suite with its own figures, not a ratio workload. */
const PROJECTIONS_SUITE = "projections";
/** The change-feed benchmarks (issue 4): fan-out vs a bare node:http broadcaster, and catch-up. */
const FEED_SUITE = "feed";

const FULL: Scale = { sequential: 1000, concurrent: 10_000, batches: 200, http: 2000, read: 100_000 };
const QUICK: Scale = { sequential: 200, concurrent: 2000, batches: 40, http: 400, read: 20_000 };

const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      only: { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const only = values.only?.split(",").filter(Boolean);
  const selected = only ? WORKLOADS.filter((w) => only.includes(w.name)) : WORKLOADS;
  const withProjections = !only || only.includes(PROJECTIONS_SUITE);
  const withFeed = !only || only.includes(FEED_SUITE);
  if (selected.length === 0 && !withProjections && !withFeed)
    throw new Error(
      `--only matches none of ${[...WORKLOADS.map((w) => w.name), PROJECTIONS_SUITE, FEED_SUITE].join(", ")}`,
    );
  const scale = quick ? QUICK : FULL;
  const projectionsScale = quick ? PROJECTIONS_QUICK : PROJECTIONS_FULL;
  const feedScale = quick ? FEED_QUICK : FEED_FULL;

  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  console.log(
    `stackledger bench (${quick ? "quick" : "full"}, ${runs} runs per workload) on ${redact(SERVER_URL)}\n` +
      `  ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, PostgreSQL ${machine.postgres}, ` +
      `fsync=${machine.fsync}, synchronous_commit=${machine.synchronous_commit}, shared_buffers=${machine.settings.shared_buffers}`,
  );

  const progress = createProgress();
  const results: Record<string, WorkloadResult> = {};
  let projections: ProjectionsResult | undefined;
  let feed: FeedResult | undefined;
  try {
    for (const workload of selected) {
      const bar = progress.workload(workload.name, runs * workload.steps);
      const ours: number[] = [];
      const ceiling: number[] = [];
      const ratio: number[] = [];
      for (let run = 1; run <= runs; run++) {
        const runStarted = performance.now();
        const result = await withBenchDatabase(workload.poolSize, (bench) =>
          workload.run(bench, scale, (phase) => bar.step(run, phase, phase !== "setup"), run),
        );
        bar.step(run, "done", true);
        ours.push(result.ours);
        ceiling.push(result.ceiling);
        ratio.push(result.ours / result.ceiling);
        const line = `  ${workload.name} run ${run}/${runs}: ours ${formatRate(result.ours)} ev/s, ceiling ${formatRate(result.ceiling)} ev/s, ratio ${(result.ours / result.ceiling).toFixed(3)} (${((performance.now() - runStarted) / 1000).toFixed(1)}s)`;
        progress.log(line);
      }
      bar.finish();
      const summary = { ours: summarize(ours), ceiling: summarize(ceiling), ratio: summarize(ratio, 3) };
      results[workload.name] = {
        description: workload.description,
        ceilingDescription: workload.ceilingDescription,
        ...summary,
        target: workload.target,
        met: isMet(workload.target, summary.ours, summary.ratio),
      };
    }
    if (withProjections) {
      const suiteStarted = performance.now();
      progress.log(
        `projections: ${projectionsScale.events} events, ${projectionsScale.rebuilds} rebuild(s), ` +
          `${projectionsScale.liveSeconds} s live`,
      );
      projections = await runProjectionsBenchmark(projectionsScale, progress);
      progress.log(`projections: done (${((performance.now() - suiteStarted) / 1000).toFixed(0)} s)`);
    }
    if (withFeed) {
      const suiteStarted = performance.now();
      progress.log(
        `feed: ${feedScale.subscribers.join(" and ")} subscribers, ${feedScale.rate} events/s for ` +
          `${feedScale.seconds} s, catch-up over ${feedScale.catchUpEvents} events`,
      );
      feed = await runFeedBenchmark(feedScale, runs, progress);
      progress.log(`feed: done (${((performance.now() - suiteStarted) / 1000).toFixed(0)} s)`);
    }
  } finally {
    progress.stop();
  }

  if (selected.length > 0) console.log(`\n${formatTable(selected, results)}\n`);
  if (projections) console.log(`\n${formatProjectionsTable(projections)}\n`);
  if (feed) console.log(`\n${formatFeedTable(feed)}\n`);
  const output: Results & { readonly feed?: FeedResult } = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine,
    quick,
    runs,
    scale: { ...scale, ...(projections ? { projectionEvents: projectionsScale.events } : {}) },
    workloads: results,
    ratios: Object.fromEntries(
      selected.flatMap((w) => (results[w.name] ? [[w.ratioKey, results[w.name]!.ratio.median]] : [])),
    ),
    ...(projections ? { projections } : {}),
    ...(feed ? { feed } : {}),
  };
  if (only) {
    console.log("--only: results not written");
    return;
  }
  // A quick pass never overwrites the full run's files.
  const suffix = quick ? "-quick" : "";
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(output, null, 2)}\n`;
  await writeFile(`${RESULTS_DIR}${output.date}${suffix}.json`, json);
  await writeFile(`${RESULTS_DIR}latest${suffix}.json`, json);
  console.log(
    `results: bench/results/${output.date}${suffix}.json, bench/results/latest${suffix}.json (${output.durationSeconds}s)`,
  );
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

process.once("SIGINT", () => {
  console.error("\ninterrupted: dropping bench databases");
  void dropLiveDatabases().finally(() => process.exit(130));
});

main().catch(async (error: unknown) => {
  console.error(error);
  await dropLiveDatabases();
  process.exitCode = 1;
});
