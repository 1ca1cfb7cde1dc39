import { vi } from "vitest";
import { readConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/serve.js";
import { eventually } from "./eventually.js";

export const INSTANCE_TOKEN = "moves-admin";

export interface Instance {
  readonly server: RunningServer;
  /** What the start-up printed (banner and warnings). */
  readonly banner: string;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** The real API (startServer, as `npm start` runs it) on a free port, over a PostgreSQL URL or a data dir. */
export async function startInstance(where: { url?: string; dataDir?: string }): Promise<Instance> {
  const printed: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args) => void printed.push(args.join(" ")));
  const warn = vi.spyOn(console, "warn").mockImplementation((...args) => void printed.push(args.join(" ")));
  let server: RunningServer;
  try {
    server = await startServer(
      readConfig({
        DATABASE_URL: where.url ?? "",
        STACKLEDGER_DATA_DIR: where.dataDir ?? "",
        PORT: "0",
        STACKLEDGER_TOKENS: `${INSTANCE_TOKEN}=append+admin`,
        STACKLEDGER_DEMO_DATA: "false",
      }),
    );
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  return {
    server,
    banner: printed.join("\n"),
    request(path, init = {}) {
      const { json, ...rest } = init;
      return fetch(`${server.url}${path}`, {
        ...rest,
        headers: {
          authorization: `Bearer ${INSTANCE_TOKEN}`,
          ...(json === undefined ? {} : { "content-type": "application/json" }),
        },
        body: json === undefined ? rest.body : JSON.stringify(json),
      });
    },
    close: () => server.close(),
  };
}

/** Every event's envelope, read through the API from `start` in delivery order. */
export async function readWholeLog(instance: Instance): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  let after = "start";
  for (;;) {
    const response = await instance.request(`/v1/events?limit=1000&after=${after}`);
    if (response.status !== 200)
      throw new Error(`GET /v1/events: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as {
      events: Record<string, unknown>[];
      next: string;
      end?: boolean;
    };
    events.push(...page.events);
    after = page.next;
    if (page.end) return events;
  }
}

/** Waits until every projection is live (no rebuild pending) and has applied the whole log. */
export async function waitForViews(instance: Instance, timeoutMs = 60_000): Promise<void> {
  const status = await eventually(
    async () =>
      (await (await instance.request("/v1/projections")).json()) as { status: string; lagEvents: number }[],
    (list) => list.length > 0 && list.every((p) => p.status === "live" && p.lagEvents === 0),
    timeoutMs,
  );
  if (!status.every((p) => p.status === "live" && p.lagEvents === 0)) {
    throw new Error(`projections did not catch up: ${JSON.stringify(status)}`);
  }
}

/** The views' bodies without their cursors (a cursor names the log it came from). */
export async function readViews(instance: Instance): Promise<Record<string, unknown>> {
  const views: Record<string, unknown> = {};
  for (const path of ["/v1/views/layers", "/v1/views/dependencies", "/v1/views/rankings"]) {
    const response = await instance.request(path);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    const { cursor: _cursor, ...body } = (await response.json()) as Record<string, unknown>;
    views[path] = body;
  }
  return views;
}
