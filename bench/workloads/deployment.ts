/**
 * The deployment suite (issue 14), `--only deployment`: what the fleet's parts cost, each against the direct
 * path in the same run.
 *
 * Set-up: a private primary and a streaming replica (deploy/local-postgres.ts, pg_basebackup -R), API process
 * A reading from the primary, API process B reading from the replica (`DATABASE_READ_URL`), both with the
 * projector off, and nginx (deploy/nginx.conf.template) in front of A alone.
 * 1. append: `POST /v1/events`, one event per request over 32 keep-alive connections (bench/lib/http-load.ts),
 *    to A directly and through nginx, in alternating segments; ratio proxy / direct.
 * 2. feed latency: N subscribers (`after=now`) held by a load-generator process, 100 appends/s to the primary
 *    for a few seconds, latency = receipt − send (CLOCK_MONOTONIC), for A directly, A through nginx, and B
 *    (the replica's replay added). Every subscriber must receive every event exactly once.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  postgresOwnedTempDir,
  privateClusterUnavailable,
  runPgBinary,
  startPrivateCluster,
} from "../../deploy/local-postgres.js";
import { createHttpLoad } from "../lib/http-load.js";
import type { Progress } from "../lib/progress.js";
import { startServerProcess } from "../lib/server-process.js";
import { startSseLoad } from "../lib/sse-load.js";
import { type Summary, summarize } from "../lib/stats.js";

export interface DeploymentScale {
  readonly appends: number;
  readonly subscribers: number;
  readonly feedSeconds: number;
  readonly rate: number;
}
export const DEPLOYMENT_FULL: DeploymentScale = {
  appends: 4000,
  subscribers: 1000,
  feedSeconds: 10,
  rate: 100,
};
export const DEPLOYMENT_QUICK: DeploymentScale = {
  appends: 1000,
  subscribers: 200,
  feedSeconds: 5,
  rate: 100,
};

type FeedPath = "direct" | "proxy" | "primary" | "replica";

export interface DeploymentResult {
  readonly description: string;
  readonly scale: DeploymentScale;
  readonly runs: number;
  readonly append: { readonly direct: Summary; readonly proxy: Summary; readonly ratio: Summary };
  readonly feed: Record<
    FeedPath,
    { readonly p50Ms: Summary; readonly p99Ms: Summary; readonly exactlyOnce: boolean }
  >;
}

const TOKEN = "bench-deploy-token";
const CLIENTS = 32;
const DATABASE = "stackledger";
const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((path) => existsSync(path));
const TEMPLATE = fileURLToPath(new URL("../../deploy/nginx.conf.template", import.meta.url));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function deploymentUnavailable(): string | undefined {
  return privateClusterUnavailable() ?? (NGINX ? undefined : "nginx is not installed");
}

export async function runDeploymentBenchmark(
  scale: DeploymentScale,
  runs: number,
  progress: Progress,
): Promise<DeploymentResult> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const primary = await startPrivateCluster({ settings: ["synchronous_commit = on", "fsync = on"] });
    cleanups.push(() => primary.destroy());
    await primary.sql(`create database ${DATABASE}`);
    const root = await postgresOwnedTempDir("sl-bench-replica-");
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await runPgBinary("pg_basebackup", [
      ...["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", join(root, "data")],
      ...["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
    ]);
    const replica = await startPrivateCluster({ fromDataDir: join(root, "data") });
    cleanups.push(() => replica.destroy());
    const env = {
      DATABASE_URL: primary.url(DATABASE),
      STACKLEDGER_TOKENS: `${TOKEN}=append`,
      STACKLEDGER_PROJECTOR: "false",
      STACKLEDGER_DEMO_DATA: "false",
      STACKLEDGER_POOL_SIZE: "16",
    };
    const a = await startServerProcess(env);
    cleanups.push(() => a.stop());
    const b = await startServerProcess({ ...env, DATABASE_READ_URL: replica.url(DATABASE) });
    cleanups.push(() => b.stop());
    // C reads the primary like A but, like B, serves no appends: the fair baseline for the replica.
    const c = await startServerProcess(env);
    cleanups.push(() => c.stop());
    const proxyUrl = await startNginx(new URL(a.url).port, cleanups);

    const direct: number[] = [];
    const proxied: number[] = [];
    const ratio: number[] = [];
    const feed: Record<FeedPath, { p50: number[]; p99: number[]; exact: boolean }> = {
      direct: { p50: [], p99: [], exact: true },
      proxy: { p50: [], p99: [], exact: true },
      primary: { p50: [], p99: [], exact: true },
      replica: { p50: [], p99: [], exact: true },
    };
    let next = 0;
    for (let run = 1; run <= runs; run++) {
      const rates = { direct: 0, proxy: 0 };
      // ABBA: direct, proxy, proxy, direct — half the appends each time.
      for (const side of run % 2 === 1
        ? (["direct", "proxy", "proxy", "direct"] as const)
        : (["proxy", "direct", "direct", "proxy"] as const)) {
        const target = side === "direct" ? a.url : proxyUrl;
        const count = scale.appends / 2;
        const load = await createHttpLoad(
          `${target}/v1/events`,
          CLIENTS,
          { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          201,
        );
        const started = nowMs();
        const from = next;
        next += count;
        await load.run(from, from + count, (i) =>
          JSON.stringify({
            events: [
              {
                type: "CompanyRegistered",
                data: { companyId: `deploy-${i}`, name: `D${i}`, kind: "company" },
              },
            ],
          }),
        );
        rates[side] += (count * 1000) / (nowMs() - started) / 2;
        load.close();
      }
      direct.push(rates.direct);
      proxied.push(rates.proxy);
      ratio.push(rates.proxy / rates.direct);
      progress.log(
        `  deployment run ${run}/${runs}: append direct ${rates.direct.toFixed(0)}/s, proxy ${rates.proxy.toFixed(0)}/s`,
      );
      const paths: [FeedPath, string][] = [
        ["direct", a.url],
        ["proxy", proxyUrl],
        ["primary", c.url],
        ["replica", b.url],
      ];
      for (const [path, url] of run % 2 === 1 ? paths : [...paths].reverse()) {
        const measured = await measureFeed(url, a.url, scale, `${run}-${path}`, next);
        next += scale.rate * scale.feedSeconds;
        feed[path].p50.push(measured.p50);
        feed[path].p99.push(measured.p99);
        feed[path].exact &&= measured.exactlyOnce;
        progress.log(
          `  deployment run ${run}/${runs}: feed via ${path}: p50 ${measured.p50.toFixed(1)} ms, p99 ${measured.p99.toFixed(1)} ms${measured.exactlyOnce ? "" : ` (NOT exactly once: ${measured.detail})`}`,
        );
      }
    }
    const feedSummary = (path: FeedPath) => ({
      p50Ms: summarize(feed[path].p50, 1),
      p99Ms: summarize(feed[path].p99, 1),
      exactlyOnce: feed[path].exact,
    });
    return {
      description:
        "API process A (reads from the primary, takes the appends), nginx in front of A, B (reads from a streaming replica) and C (reads from the primary), both without appends; appends over 32 keep-alive connections; feed subscribers after=now with 100 appends/s to A",
      scale,
      runs,
      append: { direct: summarize(direct), proxy: summarize(proxied), ratio: summarize(ratio, 2) },
      feed: {
        direct: feedSummary("direct"),
        proxy: feedSummary("proxy"),
        primary: feedSummary("primary"),
        replica: feedSummary("replica"),
      },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

async function startNginx(apiPort: string, cleanups: (() => Promise<unknown>)[]): Promise<string> {
  const prefix = await mkdtemp(join(tmpdir(), "sl-bench-nginx-"));
  await chmod(prefix, 0o755);
  cleanups.push(() => rm(prefix, { recursive: true, force: true }));
  const port = await freePort();
  const values: Record<string, string> = {
    PREFIX: prefix,
    HOST: "127.0.0.1",
    PORT: String(port),
    UPSTREAMS: `    server 127.0.0.1:${apiPort};`,
  };
  const conf = (await readFile(TEMPLATE, "utf8")).replace(
    /\$\{([A-Z]+)\}/g,
    (all, name: string) => values[name] ?? all,
  );
  await writeFile(join(prefix, "nginx.conf"), conf);
  const nginx = spawn(NGINX!, ["-c", join(prefix, "nginx.conf"), "-p", prefix], { stdio: "ignore" });
  cleanups.push(async () => {
    const exited = new Promise((resolve) => nginx.once("exit", resolve));
    nginx.kill("SIGTERM");
    await exited;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return url;
    await sleep(100);
  }
  throw new Error("nginx did not start");
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          authorization: `Bearer ${TOKEN}`,
        },
      },
      (response) => {
        response.resume();
        response.once("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.once("error", reject);
    request.end(body);
  });
}

/** Subscribers on `feedBase`, appends to `appendBase` (the primary's API), latency per (subscriber, event). */
async function measureFeed(
  feedBase: string,
  appendBase: string,
  scale: DeploymentScale,
  tag: string,
  base: number,
) {
  const events = scale.rate * scale.feedSeconds;
  const load = await startSseLoad(1);
  try {
    const connection = await load.connect(`${feedBase}/v1/feed/events?after=now`, scale.subscribers, events);
    await sleep(1000);
    const started = nowMs();
    const inFlight = new Set<Promise<unknown>>();
    for (let seq = 0; seq < events; seq++) {
      const due = started + (seq * 1000) / scale.rate;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const sentAt = Math.min(nowMs(), due + 5);
      const body = JSON.stringify({
        events: [
          {
            type: "CompanyRegistered",
            data: { companyId: `feed-${tag}-${base + seq}`, name: `F${seq}`, kind: "company" },
            metadata: { seq, sentAt },
          },
        ],
      });
      // A keep-alive socket the server closed as it was reused fails once: send again (same event, new id).
      const request = post(`${appendBase}/v1/events`, body)
        .catch(() => post(`${appendBase}/v1/events`, body))
        .then(
          (status) => {
            if (status === 201) load.ack(seq, nowMs());
          },
          () => {},
        );
      const tracked = request.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
    const expected = connection.connected * events;
    const deadline = nowMs() + 30_000;
    while (nowMs() < deadline && (await load.progress()).received < expected) await sleep(100);
    const report = await load.report();
    return {
      p50: report.p50,
      p99: report.p99,
      detail: `connected ${connection.connected}/${scale.subscribers}, received ${report.received}/${expected}, missing ${report.missing}, duplicates ${report.duplicates}, closed ${report.closed}, unexpected ${report.unexpected}`,
      exactlyOnce:
        report.received === expected && report.duplicates === 0 && connection.connected === scale.subscribers,
    };
  } finally {
    await load.close();
    await sleep(500);
  }
}

export function formatDeploymentTable(result: DeploymentResult): string {
  const s = (summary: Summary, unit = "") => `${summary.median}${unit} (${summary.min}–${summary.max})`;
  const rows = [
    "| measure | A direct | A through nginx | C (primary, no appends) | B (replica, no appends) |",
    "|---|---|---|---|---|",
    `| appends/s (32 connections) | ${s(result.append.direct)} | ${s(result.append.proxy)} (ratio ${s(result.append.ratio)}) | — | — |`,
    ...(["p50Ms", "p99Ms"] as const).map(
      (key) =>
        `| feed latency ${key === "p50Ms" ? "p50" : "p99"}, ${result.scale.subscribers} subscribers | ${s(result.feed.direct[key], " ms")} | ${s(result.feed.proxy[key], " ms")} | ${s(result.feed.primary[key], " ms")} | ${s(result.feed.replica[key], " ms")} |`,
    ),
    `| every subscriber got every event once | ${result.feed.direct.exactlyOnce} | ${result.feed.proxy.exactlyOnce} | ${result.feed.primary.exactlyOnce} | ${result.feed.replica.exactlyOnce} |`,
  ];
  return rows.join("\n");
}
