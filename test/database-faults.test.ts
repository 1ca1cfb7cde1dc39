import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companyRegistered, partnershipReported } from "./support/fixtures.js";
import {
  type PrivateCluster,
  privateClusterUnavailable,
  startPrivateCluster,
} from "./support/private-cluster.js";
import { readWholeLogHolding } from "./support/read-whole-log.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";
import { openSse, type SseClient, until } from "./support/sse-client.js";

/**
 * Database faults for real: a PostgreSQL cluster this test owns is restarted, crashed and has every
 * backend terminated while 8 HTTP appenders and SSE subscribers run against two server processes.
 */
const unavailable = privateClusterUnavailable();
if (unavailable)
  console.warn(`skipped: database fault tests need PostgreSQL server binaries (${unavailable})`);

const TOKEN = "fault-token";
const DATABASE = "stackledger";
let cluster: PrivateCluster | undefined;
const servers: Spawned[] = [];
const urls: string[] = [];

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startPrivateCluster();
  await cluster.sql(`create database ${DATABASE}`);
  const env = {
    DATABASE_URL: cluster.url(DATABASE),
    STACKLEDGER_TOKENS: `${TOKEN}=append+admin`,
    STACKLEDGER_DB_TIMEOUT_MS: "2000",
    STACKLEDGER_POOL_SIZE: "6",
  };
  // The first migrates; the second starts once the schema is there (two concurrent migrators would race).
  servers.push(runCli(["serve", "--port", "0"], env));
  urls.push((await waitForOutput(servers[0]!, /listening on (http:\/\/\S+)/))[1]!);
  servers.push(runCli(["serve", "--port", "0"], env));
  urls.push((await waitForOutput(servers[1]!, /listening on (http:\/\/\S+)/))[1]!);
}, 120_000);

afterAll(async () => {
  for (const server of servers) server.child.kill("SIGTERM");
  const stopped = await Promise.race([
    Promise.all(servers.map((server) => server.exited)).then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), 20_000)),
  ]);
  if (!stopped) {
    for (const server of servers) console.warn(`server did not stop:\n${server.output().slice(-2000)}`);
    for (const server of servers) server.child.kill("SIGKILL");
  }

  await cluster?.destroy();
});

interface Tally {
  acknowledged: string[];
  unavailable: number;
  outcomeUnknown: number;
  /** Anything but 201/200/503 problem+json: must stay empty. */
  unexpected: string[];
  lastSuccessAt: number;
}

/** POSTs `body` until it is acknowledged, retrying 503s with the same ids (what clients are told to do). */
async function appendUntilAcknowledged(url: string, body: { events: unknown[] }, tally: Tally) {
  for (;;) {
    let response: Response;
    try {
      response = await fetch(`${url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      // The servers never go away in this test: a refused or reset connection is a failure.
      tally.unexpected.push(`network: ${(error as Error).message}`);
      return;
    }
    const text = await response.text();
    if (response.status === 201 || response.status === 200) {
      tally.lastSuccessAt = Date.now();
      for (const event of body.events) tally.acknowledged.push((event as { id: string }).id);
      return;
    }
    const problem = response.headers.get("content-type")?.startsWith("application/problem+json")
      ? (JSON.parse(text) as { type: string })
      : undefined;
    if (response.status !== 503 || !problem || !response.headers.get("retry-after")) {
      tally.unexpected.push(`${response.status}: ${text.slice(0, 300)}`);
      return;
    }
    if (problem.type.endsWith("/outcome-unknown")) tally.outcomeUnknown += 1;
    else tally.unavailable += 1;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
}

describe.skipIf(unavailable)("database faults under load", () => {
  it("two servers survive terminate, restart and crash: nothing acknowledged is lost, no subscriber misses or repeats an event", async () => {
    const tally: Tally = {
      acknowledged: [],
      unavailable: 0,
      outcomeUnknown: 0,
      unexpected: [],
      lastSuccessAt: 0,
    };
    const subscribers: SseClient[] = [];
    for (let i = 0; i < 4; i += 1) subscribers.push(openSse(`${urls[i % 2]}/v1/feed/events?after=start`));
    // The command-line follower too, as an operator would run it.
    const tail = runCli(["events", "tail", "--url", urls[1]!, "--after", "start", "--json"]);
    const tailed = () =>
      tail
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => (JSON.parse(line) as { id: string }).id);

    let writing = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      const companies: string[] = [];
      for (let n = 0; writing; n += 1) {
        const url = urls[(w + n) % 2]!;
        const event =
          n % 4 === 3 && companies.length >= 2
            ? partnershipReported(`w${w}-p${n}`, companies.slice(-2), {
                dependency: { customer: companies.at(-1), supplier: companies.at(-2), layer: "compute" },
              })
            : companyRegistered(`w${w}-c${n}`);
        await appendUntilAcknowledged(url, { events: [{ id: randomUUID(), ...event }] }, tally);
        if (event.type === "CompanyRegistered") companies.push(`w${w}-c${n}`);
        if (tally.unexpected.length > 0) return;
      }
    });

    // Seconds from the database's return (and from the fault's start) to the first acknowledged append.
    const sinceRecovery: Record<string, number> = {};
    const outage: Record<string, number> = {};
    const failuresDuring: Record<string, number> = {};
    const fault = async (name: string, cause: () => Promise<unknown>) => {
      await until(() => tally.acknowledged.length > 0 && Date.now() - tally.lastSuccessAt < 200, "appends");
      const before = tally.unavailable + tally.outcomeUnknown;
      const started = Date.now();
      await cause();
      const back = Date.now();
      await until(
        () => tally.lastSuccessAt > back || servers.some((server) => server.child.exitCode !== null),
        `the first append after ${name}`,
        30_000,
      );
      for (const server of servers) expect(server.child.exitCode, server.output().slice(-2000)).toBeNull();
      sinceRecovery[name] = (tally.lastSuccessAt - back) / 1000;
      outage[name] = (tally.lastSuccessAt - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 500));
      failuresDuring[name] = tally.unavailable + tally.outcomeUnknown - before;
    };

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await fault("terminate", () => cluster!.terminateBackends(DATABASE));
    await fault("restart", () => cluster!.restart());
    await fault("crash", async () => {
      await cluster!.stop("immediate");
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await cluster!.start();
    });
    writing = false;
    await Promise.all(writers);
    console.log(
      `database faults: first append after the database is back (s) ${JSON.stringify(sinceRecovery)}; after the fault began ${JSON.stringify(outage)}; 503s per fault ${JSON.stringify(
        failuresDuring,
      )}; 503 total ${tally.unavailable} (outcome unknown ${tally.outcomeUnknown}); acknowledged ${tally.acknowledged.length}`,
    );

    expect(tally.unexpected).toEqual([]);
    for (const server of servers) expect(server.child.exitCode).toBeNull();

    // Every acknowledged event is in the log exactly once.
    const log = await readWholeLogHolding(urls[0]!, tally.acknowledged);
    const ids = log.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = new Set(ids);
    const lost = tally.acknowledged.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);

    // Every subscriber received every event of the log exactly once, in log order.
    await until(
      () => subscribers.every((s) => s.items().length >= log.length),
      "every subscriber to reach the head",
      30_000,
    );
    for (const subscriber of subscribers) {
      expect(subscriber.items().map((item) => item.data.id)).toEqual(ids);
      subscriber.close();
    }
    await until(() => tailed().length >= ids.length, "events tail to reach the head", 30_000);
    expect(tailed()).toEqual(ids);
    tail.child.kill("SIGTERM");
    await tail.exited;

    // The projections converge to what a fold of the whole log gives.
    for (const view of ["layers", "dependencies", "rankings"]) {
      const current = await waitForCurrentView(urls[0]!, view, log.at(-1)!.cursor);
      const folded = (await (
        await fetch(`${urls[1]}/v1/views/${view}?knownAt=${encodeURIComponent(current.cursor)}`)
      ).json()) as Record<string, unknown>;
      expect(current).toEqual(folded);
    }
  }, 240_000);

  it("answers 503 problem+json with Retry-After while the database is down, /health stays 200, and recovers by itself", async () => {
    const url = urls[0]!;
    await cluster!.stop("fast");
    try {
      const started = Date.now();
      const append = await fetch(`${url}/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ id: randomUUID(), ...companyRegistered("while-down") }),
      });
      expect(append.status).toBe(503);
      expect(append.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(append.headers.get("retry-after")).toBeTruthy();
      // Within the connect timeout (2 s here), never a hang.
      expect(Date.now() - started).toBeLessThan(5000);
      for (const path of ["/v1/events", "/v1/views/layers", "/v1/streams/company-while-down"]) {
        const read = await fetch(`${url}${path}`);
        expect(read.status, path).toBe(503);
      }
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/ready`)).status).toBe(503);
    } finally {
      await cluster!.start();
    }
    const ready = await pollStatus(`${url}/ready`, 200, 30_000);
    expect(ready).toBe(200);
    for (const server of servers) expect(server.child.exitCode).toBeNull();
  }, 90_000);
});

async function pollStatus(url: string, want: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await fetch(url)).status;
    if (status === want || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The current (read-model) view once it reflects `cursor`. */
async function waitForCurrentView(url: string, view: string, cursor: string) {
  const response = await fetch(`${url}/v1/views/${view}?waitFor=${encodeURIComponent(cursor)}&timeout=10000`);
  if (response.status !== 200) {
    const projections = await (await fetch(`${url}/v1/projections`)).text();
    throw new Error(
      `${view} did not reach ${cursor} (${response.status}); projections: ${projections}\n${servers
        .map((s) => s.output().slice(-3000))
        .join("\n----\n")}`,
    );
  }
  return (await response.json()) as Record<string, unknown> & { cursor: string };
}
