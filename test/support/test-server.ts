import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createWakeUp } from "../../src/event-log/wake-up.js";
import { createApp } from "../../src/http/app.js";
import { answerClientErrors } from "../../src/http/client-error.js";
import type { AppDeps } from "../../src/http/deps.js";
import { parseTokenConfig, staticTokenRegistry } from "../../src/http/tokens.js";
import type { TestDatabase } from "./test-database.js";

export const ADMIN_TOKEN = "test-admin-token";
export const APPEND_TOKEN = "test-append-token";
export const READ_ONLY_TOKEN = "test-admin-only";

export interface TestServer {
  readonly url: string;
  /** fetch against the server, with the append token unless `token` is given (null: none). */
  request(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** The real HTTP server over a test database, on a free port. */
export async function startTestServer(
  database: TestDatabase,
  overrides: Partial<AppDeps> = {},
  port = 0,
): Promise<TestServer> {
  const wakeUp = createWakeUp();
  const app = createApp({
    db: database.handle.db,
    logId: database.logId,
    tokens: staticTokenRegistry(
      parseTokenConfig(`${ADMIN_TOKEN}=append+admin,${APPEND_TOKEN}=append,${READ_ONLY_TOKEN}=admin`),
    ),
    maxBodyBytes: 1024 * 1024,
    onAppended: () => wakeUp.signal(),
    ...overrides,
  });
  const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    request(path, init = {}) {
      const { token = APPEND_TOKEN, json, headers, ...rest } = init;
      const allHeaders = new Headers(headers);
      if (token) allHeaders.set("authorization", `Bearer ${token}`);
      if (json !== undefined) allHeaders.set("content-type", "application/json");
      return fetch(`${url}${path}`, {
        ...rest,
        headers: allHeaders,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      // The closed connections reach this process's fetch pool (undici keeps them alive) only in a later
      // I/O poll: without one, a server restarted on the same port at once (PGlite starts without any I/O)
      // is sent the next request over a socket the old server closed ("other side closed"). Two check
      // phases have a poll phase between them.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
