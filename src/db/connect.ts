import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { acquireDataDirLock } from "./data-dir-lock.js";
import { dumpEmbedded, type EmbeddedDump } from "./dump-embedded.js";
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
  /** A consistent copy of the embedded database while it runs (embedded only; see `stackledger backup`). */
  readonly dump?: () => Promise<EmbeddedDump>;
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
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? "stackledger",
    // A write transaction left open holds the read horizon back for every reader of the log.
    idle_in_transaction_session_timeout: 30_000,
  });
  // An idle client that loses its server (restart, terminate) must not crash the process.
  pool.on("error", (error) => console.warn(`stackledger: idle database client failed: ${error.message}`));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return { db, kind: "postgres", pool, close: () => db.destroy() };
}
