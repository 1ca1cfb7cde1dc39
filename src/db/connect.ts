import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { parseHostList } from "./connection-string.js";
import { acquireDataDirLock } from "./data-dir-lock.js";
import { isDatabaseUnavailable } from "./database-unavailable.js";
import { dumpEmbedded, type EmbeddedDump } from "./dump-embedded.js";
import { createPgliteDialect } from "./pglite-dialect.js";
import { createPrimaryLocator, type PrimaryLocator } from "./primary-locator.js";
import { connectReadReplica, type ReadReplica } from "./read-replica.js";
import type { Database } from "./schema.js";

/** A connected database: the query builder plus what only some backends can do (LISTEN). */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: "postgres" | "embedded";
  /** Where the embedded database lives (embedded only). */
  readonly dataDir?: string;
  /** A pg pool for callers that need a raw client (benchmarks); postgres with a single host only. */
  readonly pool?: pg.Pool;
  /** The PostgreSQL pool's connections now (postgres only). */
  readonly poolStats?: () => PoolStats;
  /** The single-host URL of the current primary, for dedicated connections (LISTEN, leases); postgres only. */
  readonly primaryUrl?: () => Promise<string>;
  /** The replica that serves reads, when `DATABASE_READ_URL` is set. */
  readonly readReplica?: ReadReplica;
  /** A consistent copy of the embedded database while it runs (embedded only; see `stackledger backup`). */
  readonly dump?: () => Promise<EmbeddedDump>;
  close(): Promise<void>;
}

/** The pool's connections now: the gauges an operator watches for exhaustion. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  /** Requests queued for a connection. */
  readonly waiting: number;
}

const statsOf = (pool: pg.Pool | undefined): PoolStats => ({
  total: pool?.totalCount ?? 0,
  idle: pool?.idleCount ?? 0,
  waiting: pool?.waitingCount ?? 0,
});

/** What the append's hot path needs of a pool: a client to run a named prepared statement on. */
export interface CheckoutPool {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

/** The pg pool behind each PostgreSQL Kysely instance: the append's hot path uses it directly. */
const pools = new WeakMap<Kysely<Database>, CheckoutPool>();

/**
 * The pg pool behind `db` when it is a PostgreSQL connection opened here (not a transaction, not PGlite):
 * for the few hot statements that run as named prepared statements (parsed and planned once per
 * connection), which Kysely does not offer.
 */
export function postgresPoolOf(db: Kysely<Database>): CheckoutPool | undefined {
  return pools.get(db);
}

export interface ConnectOptions {
  /** PostgreSQL connection string; absent → embedded PGlite in `dataDir`. */
  readonly url?: string;
  /** Embedded data directory; `memory://` keeps it in memory (tests). */
  readonly dataDir?: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
  /** How long a query waits for a connection before failing (then answered 503). */
  readonly connectTimeoutMs?: number;
  /** A hot standby of `url` that serves reads (`DATABASE_READ_URL`). */
  readonly readUrl?: string;
  /** Where connection trouble is reported (default: stderr). */
  readonly log?: (message: string) => void;
}

export const DEFAULT_DB_TIMEOUT_MS = 5000;

export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.url) return withReadReplica(connectPostgres(options.url, options), options);
  const dataDir = options.dataDir ?? ".stackledger";
  if (!dataDir.startsWith("memory://")) await mkdir(dataDir, { recursive: true });
  // One process per folder: a second PGlite on it would silently fork the database (issue 16).
  const lock = dataDir.startsWith("memory://") ? undefined : await acquireDataDirLock(dataDir);
  const pglite = await PGlite.create(dataDir).catch(async (error) => {
    await lock?.release();
    throw error;
  });
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) });
  const close = async () => {
    await db.destroy();
    await lock?.release();
  };
  return { db, kind: "embedded", dataDir, dump: () => dumpEmbedded(pglite, db), close };
}

function connectPostgres(url: string, options: ConnectOptions): DatabaseHandle {
  const timeout = options.connectTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const locator = createPrimaryLocator(url, timeout);
  const makePool = (hostUrl: string) => {
    const pool = new pg.Pool({
      connectionString: hostUrl,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? "stackledger",
      // A write transaction left open holds the read horizon back for every reader of the log.
      idle_in_transaction_session_timeout: 30_000,
      // While the database is away a request fails within this time (503) instead of queueing for ever.
      connectionTimeoutMillis: timeout,
      // Notice a server that vanished without closing the socket (a network cut, a killed VM).
      keepAlive: true,
    });
    // An idle client that loses its server (restart, terminate) must not crash the process.
    pool.on("error", (error) => {
      locator.invalidate();
      (options.log ?? ((message) => console.warn(`stackledger: ${message}`)))(
        `idle database client failed: ${error.message}`,
      );
    });
    // pg-pool listens for errors only on idle clients: a client checked out (a query, a transaction) whose
    // server goes away emits 'error' with nobody listening, which kills the process. The query in flight
    // rejects on its own, and a client that is no longer queryable is dropped on release.
    pool.on("connect", (client) => {
      client.on("error", () => locator.invalidate());
    });
    return pool;
  };

  if (!locator.multiHost && !parseHostList(url).readWrite) {
    const pool = makePool(url);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return {
      db,
      kind: "postgres",
      pool,
      poolStats: () => statsOf(pool),
      primaryUrl: locator.current,
      close: () => db.destroy(),
    };
  }
  const pool = createFailoverPool(locator, makePool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return {
    db,
    kind: "postgres",
    poolStats: pool.stats,
    primaryUrl: locator.current,
    close: () => db.destroy(),
  };
}

/**
 * A pool over the current primary of a multi-host URL: when a connection to it fails, the next checkout
 * looks for the primary again (after a failover, the promoted standby) and moves to a pool on it.
 */
function createFailoverPool(
  locator: PrimaryLocator,
  makePool: (url: string) => pg.Pool,
): CheckoutPool & { stats(): PoolStats } {
  let pool: pg.Pool | undefined;
  let poolUrl: string | undefined;
  return {
    async connect() {
      try {
        const url = await locator.current();
        if (!pool || poolUrl !== url) {
          void pool?.end().catch(() => {});
          pool = makePool(url);
          poolUrl = url;
        }
        return await pool.connect();
      } catch (error) {
        if (isDatabaseUnavailable(error)) locator.invalidate();
        throw error;
      }
    },
    async end() {
      await pool?.end();
    },
    stats: () => statsOf(pool),
  };
}

/** Adds the read replica (reads fall back to this primary while it is away). */
function withReadReplica(handle: DatabaseHandle, options: ConnectOptions): DatabaseHandle {
  const primary = postgresPoolOf(handle.db);
  if (!options.readUrl || !primary) return handle;
  const readReplica = connectReadReplica(options.readUrl, primary, {
    poolSize: options.poolSize,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS,
    log: options.log,
  });
  return {
    ...handle,
    readReplica,
    async close() {
      await readReplica.close();
      await handle.close();
    },
  };
}
