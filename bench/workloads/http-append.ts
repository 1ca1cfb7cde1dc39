import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { sql } from "kysely";
import { appendEvents } from "../../src/event-log/append-events.js";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { createApp } from "../../src/http/app.js";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/deps.js";
import { parseTokenConfig, staticTokenRegistry } from "../../src/http/tokens.js";
import { companyUpdated, context, registerCompanies } from "../lib/events.js";
import { concurrently, interleave } from "../lib/timing.js";
import { CONCURRENCY, PAIRS, WARMUP, type Workload } from "./types.js";

const CLIENTS = 32;
const TOKEN = "bench-append-token";

/**
 * `POST /v1/events` with one event per request from 32 concurrent keep-alive clients against the real
 * server (createApp + @hono/node-server, same process, same pool of 16), vs the library's own rate with
 * 16 concurrent callers on the same pool in the same run. The server wakes readers with pg_notify after
 * each append burst, as `stackledger serve` does.
 */
export const httpAppend: Workload = {
  name: "http.append",
  ratioKey: "http.append.vs_library",
  description: `POST /v1/events, 1 CompanyUpdated per request, ${CLIENTS} concurrent keep-alive clients (fetch), same process`,
  ceilingDescription: `appendEvents with ${CONCURRENCY} concurrent callers on the same pool of ${CONCURRENCY} (library)`,
  target: { kind: "ratio", min: 0.7, source: "issue 5" },
  poolSize: CONCURRENCY,
  steps: 1 + 2 * PAIRS,
  async run(bench, scale, step) {
    const count = scale.http;
    const db = bench.handle.db;
    step("setup");
    // HTTP and the library both write to `events`: each gets its own companies.
    const warm = WARMUP * 4;
    const httpBase = 0;
    const libraryBase = warm + count;
    await registerCompanies(bench, 2 * (warm + count), undefined, false);

    const wakeUp = createWakeUp(async () => {
      await sql`select pg_notify('events', '')`.execute(db);
    });
    const app = createApp({
      db,
      logId: bench.logId,
      tokens: staticTokenRegistry(parseTokenConfig(`${TOKEN}=append`)),
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      onAppended: () => wakeUp.signal(),
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
    const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

    try {
      const overHttp = async (from: number, to: number) => {
        await concurrently(from, to, CLIENTS, async (i) => {
          const response = await fetch(url, {
            method: "POST",
            headers,
            body: JSON.stringify({ events: [companyUpdated(i)] }),
          });
          const body = await response.text();
          if (response.status !== 201) throw new Error(`POST /v1/events: ${response.status} ${body}`);
        });
        return to - from;
      };
      const library = async (from: number, to: number) => {
        await concurrently(from, to, CONCURRENCY, async (i) => {
          await appendEvents(db, [companyUpdated(i)], context(bench));
        });
        return to - from;
      };
      await overHttp(httpBase, httpBase + warm);
      await library(libraryBase, libraryBase + warm);
      return await interleave(
        count,
        PAIRS,
        (from, to) => overHttp(httpBase + warm + from, httpBase + warm + to),
        (from, to) => library(libraryBase + warm + from, libraryBase + warm + to),
        (side) => step(side),
      );
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    }
  },
};
