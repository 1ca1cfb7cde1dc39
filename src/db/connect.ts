import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { createPgliteDialect } from "./pglite-dialect.js";
import type { Database } from "./schema.js";

/** A connected database: the query builder plus what only some backends can do (LISTEN). */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: "postgres" | "embedded";
  /** Where the embedded database lives (embedded only). */
  readonly dataDir?: string;
  /** A pg pool for callers that need a raw client (LISTEN, benchmarks); postgres only. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

/** The pg pool behind each PostgreSQL Kysely instance: the append's hot path uses it directly. */
const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/**
 * The pg pool behind `db` when it is a PostgreSQL connection opened here (not a transaction, not PGlite):
 * for the few hot statements that run as named prepared statements (parsed and planned once per
 * connection), which Kysely does not offer.
 */
export function postgresPoolOf(db: Kysely<Database>): pg.Pool | undefined {
  return pools.get(db);
}

export interface ConnectOptions {
  /** PostgreSQL connection string; absent → embedded PGlite in `dataDir`. */
  readonly url?: string;
  /** Embedded data directory; `memory://` keeps it in memory (tests). */
  readonly dataDir?: string;
  readonly poolSize?: number;
  readonly applicationName?: string;
}

export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.url) return connectPostgres(options.url, options);
  const dataDir = options.dataDir ?? ".stackledger";
  if (!dataDir.startsWith("memory://")) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const db = new Kysely<Database>({ dialect: createPgliteDialect(pglite) });
  return { db, kind: "embedded", dataDir, close: () => db.destroy() };
}

function connectPostgres(url: string, options: ConnectOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? "stackledger",
    // A write transaction left open holds the read horizon back for every reader of the log.
    idle_in_transaction_session_timeout: 30_000,
  });
  // An idle client that loses its server (restart, terminate) must not crash the process.
  pool.on("error", (error) => console.warn(`stackledger: idle database client failed: ${error.message}`));
  // pg-pool listens for errors only on idle clients: a client checked out (a query, a transaction) whose
  // server goes away emits 'error' with nobody listening, which kills the process. The query in flight
  // rejects on its own, and a client that is no longer queryable is dropped on release.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return { db, kind: "postgres", pool, close: () => db.destroy() };
}
