import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type Spawned, waitForOutput } from "./spawn-service.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

export const CLIENT_ADMIN_TOKEN = "client-admin-token";
export const CLIENT_APPEND_TOKEN = "client-append-token";
/** A token with the admin scope only: appending with it is a 403. */
export const CLIENT_NO_APPEND_TOKEN = "client-no-append-token";

export interface ServeProcess {
  readonly url: string;
  readonly port: number;
  readonly process: Spawned;
}

/** Where a `stackledger serve` process keeps its data: a test database on the server, else a PGlite data dir. */
export interface ServeStorage {
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

export async function createServeStorage(): Promise<ServeStorage> {
  const database: TestDatabase | undefined = await createTestDatabase();
  if (database.url) {
    // The server process migrates and serves it; this handle is only needed to drop it afterwards.
    return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
  }
  await database.drop();
  const dataDir = await mkdtemp(join(tmpdir(), "stackledger-client-"));
  return {
    env: { STACKLEDGER_DATA_DIR: dataDir },
    drop: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Starts the real `stackledger serve` (on `port`, or a free one) and waits until it listens. */
export async function startServeProcess(
  storage: ServeStorage,
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const spawned = runCli(["serve", "--port", String(options.port ?? 0)], {
    STACKLEDGER_TOKENS: `${CLIENT_ADMIN_TOKEN}=append+admin,${CLIENT_APPEND_TOKEN}=append,${CLIENT_NO_APPEND_TOKEN}=admin`,
    STACKLEDGER_DEMO_DATA: "false",
    ...storage.env,
    ...options.env,
  });
  const url = (await waitForOutput(spawned, /listening on (http:\/\/\S+)/, 60_000))[1] as string;
  return { url, port: Number(new URL(url).port), process: spawned };
}

/** SIGKILLs the server (no chance to close anything) and waits until it is gone. */
export async function killServeProcess(
  server: ServeProcess,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<void> {
  if (server.process.child.exitCode === null && server.process.child.signalCode === null) {
    server.process.child.kill(signal);
  }
  await server.process.exited;
}
