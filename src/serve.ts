import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { sql } from "kysely";
import { PROJECTIONS } from "../projections/index.js";
import type { Config } from "./config.js";
import { connectDatabase, type DatabaseHandle } from "./db/connect.js";
import { recordServerUrl } from "./db/data-dir-lock.js";
import { isDatabaseUnavailable } from "./db/database-unavailable.js";
import { isMigrated, migrateToLatest } from "./db/migrate.js";
import type { ReadReplica } from "./db/read-replica.js";
import { importEvents } from "./event-log/import-events.js";
import { readLogId } from "./event-log/log-id.js";
import { createWakeUp, type WakeUp } from "./event-log/wake-up.js";
import { describeLogState, watchLogHorizon } from "./event-log/watch-log-horizon.js";
import { createFeed } from "./feed/create-feed.js";
import { createApp } from "./http/app.js";
import { answerClientErrors } from "./http/client-error.js";
import {
  databaseTokenRegistry,
  ensureAdminToken,
  parseTokenConfig,
  staticTokenRegistry,
  type TokenRegistry,
} from "./http/tokens.js";
import { createLogger, type Logger, type ProcessRole } from "./log/logger.js";
import { createProjector, type Projector } from "./projector/create-projector.js";

export const DEMO_DATA_FILE = fileURLToPath(new URL("../data/demo-events.ndjson", import.meta.url));

export interface Runtime {
  readonly handle: DatabaseHandle;
  readonly logId: string;
  /** Wakes readers of the event log after appends (NOTIFY events + in-process). */
  readonly wakeUp: WakeUp;
  /** Wakes readers of view changes after the projector wrote some (NOTIFY view_changes + in-process). */
  readonly changesWakeUp: WakeUp;
  /** Structured logs of this process (JSON lines; readable on a terminal). */
  readonly log: Logger;
}

/**
 * Connects, migrates and reads the log's identity: what every command needs. A long-running process
 * (`waitForDatabase`) started while its database is away waits for it, saying so, instead of exiting.
 */
export async function openRuntime(
  config: Config,
  { waitForDatabase = false, role = "cli" as ProcessRole } = {},
): Promise<Runtime> {
  const log = createLogger({ role, level: config.logLevel });
  const handle = await connectDatabase({
    log: (message) => log.warn(message),
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.poolSize,
    connectTimeoutMs: config.dbTimeoutMs,
    readUrl: config.databaseReadUrl,
  });
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await migrateToLatest(handle.db);
        break;
      } catch (error) {
        if (!waitForDatabase || !isDatabaseUnavailable(error)) throw error;
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ attempt, reason: (error as Error).message }, "waiting for the database");
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2000)));
      }
    }
    const logId = await readLogId(handle.db);
    const notify = (channel: string) =>
      handle.kind === "postgres"
        ? async () => {
            await sql`select pg_notify(${channel}, '')`.execute(handle.db);
          }
        : undefined;
    const onError = (error: Error) => log.warn({ reason: error.message }, "wake-up failed");
    const wakeUp = createWakeUp(notify("events"), onError);
    const changesWakeUp = createWakeUp(notify("view_changes"), onError);
    return { handle, logId, wakeUp, changesWakeUp, log };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface RunningServer {
  readonly url: string;
  readonly log: Logger;
  close(): Promise<void>;
}

/** Starts the API: migrate, demo data into an empty log, tokens, HTTP; prints the banner. */
export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = await openRuntime(config, { waitForDatabase: true, role: "api" });
  const { handle, logId, wakeUp } = runtime;
  const { tokens, adminToken } = await resolveTokens(config, handle);

  let demo = "";
  if (config.demoData) {
    const empty = (await handle.db.selectFrom("events").select("position").limit(1).execute()).length === 0;
    if (empty) {
      const summary = await importEvents(handle.db, DEMO_DATA_FILE, { logId, actor: "demo-data" });
      demo = `demo data: ${summary.appended} events loaded`;
      if (summary.failed > 0) throw new Error(`demo data failed to load: ${summary.errors.join("; ")}`);
    }
  }

  // A log ahead of its cluster (a logical restore) is detected here, re-checked on /ready and every few seconds.
  const logHorizon = watchLogHorizon(handle.db, {
    logId,
    onChange: (state) => runtime.log.warn({ log: state }, describeLogState(state)),
  });
  const logState = await logHorizon.refresh();

  const projector = config.projector ? startProjector(runtime) : undefined;
  if (handle.readReplica) await waitForReplicaSchema(handle.readReplica, runtime.log);
  const feed = await createFeed({
    db: handle.readReplica?.db ?? handle.db,
    readsReplica: handle.readReplica !== undefined,
    logId,
    databaseUrl: runtime.handle.primaryUrl,
    eventWakeUp: wakeUp,
    changeWakeUp: runtime.changesWakeUp,
    log: (message) => runtime.log.warn(message),
  });
  const app = createApp({
    feed,
    logger: runtime.log,
    poolStats: handle.poolStats,
    db: handle.db,
    readDb: handle.readReplica?.db,
    foldHost: projector?.host,
    replica: handle.readReplica,
    logId,
    tokens,
    maxBodyBytes: config.maxBodyBytes,
    onAppended: () => wakeUp.signal(),
    projections: PROJECTIONS,
    readiness: async () => {
      const state = await logHorizon.refresh();
      return state.status === "ok" ? failedProjections(runtime) : describeLogState(state);
    },
    logHorizon,
    backup: handle.dump,
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  // `stackledger backup` finds the server of a locked folder here.
  if (handle.kind === "embedded" && handle.dataDir && !handle.dataDir.startsWith("memory://"))
    await recordServerUrl(handle.dataDir, url);

  const lines = [
    `stackledger listening on ${url}`,
    `  database: ${handle.kind === "embedded" ? `embedded (data dir ${handle.dataDir})` : `PostgreSQL (DATABASE_URL${handle.readReplica ? "; reads from DATABASE_READ_URL" : ""})`}`,
    `  admin token: ${adminToken}`,
    `  API docs: ${url}/docs`,
    `  projector: ${projector ? "running in this process" : "off (STACKLEDGER_PROJECTOR=false)"}`,
  ];
  if (demo) lines.push(`  ${demo}`);
  if (logState.status !== "ok") lines.push(`  REFUSING TO SERVE THE LOG: ${describeLogState(logState)}`);
  // The banner for people (and scripts that read "listening on"), then the same as a structured line.
  console.log(lines.join("\n"));
  runtime.log.info(
    { url, database: handle.kind, projector: projector !== undefined, log: logState.status },
    "listening",
  );

  return {
    url,
    log: runtime.log,
    async close() {
      // Stop accepting, let in-flight requests finish, then close the pool.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ("closeIdleConnections" in server) server.closeIdleConnections();
      await feed.stop();
      await closed;
      await projector?.stop();
      await handle.close();
    },
  };
}

/** Runs every projection's runner in this process (one active per projection across processes). */
export function startProjector(runtime: Runtime, names?: readonly string[]): Projector {
  return createProjector({
    db: runtime.handle.db,
    logId: runtime.logId,
    projections: names ? PROJECTIONS.filter((p) => names.includes(p.name)) : PROJECTIONS,
    databaseUrl: runtime.handle.primaryUrl,
    wakeUp: runtime.wakeUp,
    onChanges: () => runtime.changesWakeUp.signal(),
    log: (message) => runtime.log.info({ component: "projector" }, message),
  });
}

/**
 * The replica replays the migrations this process just ran a little later: reading it before then finds no
 * tables. Waits (bounded) until it has them; an unreachable replica is the fallback's business, not ours.
 */
async function waitForReplicaSchema(replica: ReadReplica, log: Logger, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await isMigrated(replica.db)) return;
    } catch (error) {
      if (isDatabaseUnavailable(error)) return;
    }
    if (Date.now() > deadline) {
      log.warn("the read replica has not replayed the schema yet; reads may fail until it has");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function failedProjections(runtime: Runtime): Promise<string | undefined> {
  const failed = await runtime.handle.db
    .selectFrom("projections as p")
    .innerJoin("projection_builds as b", (join) =>
      join.onRef("b.name", "=", "p.name").onRef("b.build", "=", "p.live_build"),
    )
    .select("p.name")
    .where("b.status", "=", "failed")
    .execute();
  return failed.length > 0 ? `projections failed: ${failed.map((row) => row.name).join(", ")}` : undefined;
}

async function resolveTokens(
  config: Config,
  handle: DatabaseHandle,
): Promise<{ tokens: TokenRegistry; adminToken: string }> {
  if (config.tokens) {
    return {
      tokens: staticTokenRegistry(parseTokenConfig(config.tokens)),
      adminToken: "from STACKLEDGER_TOKENS",
    };
  }
  const generated = await ensureAdminToken(handle.db);
  // Embedded mode keeps the plaintext beside the data so that every start can show it.
  const tokenFile =
    handle.dataDir && !handle.dataDir.startsWith("memory://")
      ? join(handle.dataDir, "admin-token")
      : undefined;
  let adminToken = generated.token;
  if (tokenFile) {
    if (generated.token) await writeFile(tokenFile, `${generated.token}\n`, { mode: 0o600 });
    else adminToken = (await readFile(tokenFile, "utf8").catch(() => "")).trim() || undefined;
  }
  return {
    tokens: databaseTokenRegistry(handle.db),
    adminToken: adminToken ?? "(created by an earlier start; set STACKLEDGER_TOKENS to choose your own)",
  };
}
