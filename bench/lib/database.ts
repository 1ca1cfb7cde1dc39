import { randomBytes } from "node:crypto";
import { cpus, platform, release } from "node:os";
import pg from "pg";
import { connectDatabase, type DatabaseHandle } from "../../src/db/connect.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { readLogId } from "../../src/event-log/log-id.js";

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** One fresh, migrated database for one run of one workload, with the ceiling table beside `events`. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /** The library's connection (kysely over a pg pool). */
  readonly handle: DatabaseHandle;
  readonly logId: string;
}

/** Databases created and not yet dropped: dropped on Ctrl-C as well. */
const live = new Set<string>();

export async function adminQuery(statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: SERVER_URL, application_name: "stackledger-bench" });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

export function databaseUrl(name: string): string {
  const parsed = new URL(SERVER_URL);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Creates `sl_bench_<random>`, migrates it, creates `ceiling_events`, runs `body`, and always drops it. */
export async function withBenchDatabase<T>(
  poolSize: number,
  body: (bench: BenchDatabase) => Promise<T>,
): Promise<T> {
  const name = `sl_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  live.add(name);
  let handle: DatabaseHandle | undefined;
  try {
    const url = databaseUrl(name);
    handle = await connectDatabase({ url, poolSize, applicationName: "stackledger-bench" });
    await migrateToLatest(handle.db);
    const logId = await readLogId(handle.db);
    await createCeilingTable(url);
    return await body({ name, url, handle, logId });
  } finally {
    await handle?.close().catch(() => {});
    await dropDatabase(name);
  }
}

async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
  live.delete(name);
}

/** Drops every database still alive (used on SIGINT and after a failure). */
export async function dropLiveDatabases(): Promise<void> {
  for (const name of [...live]) await dropDatabase(name).catch(() => {});
}

/**
 * `ceiling_events`: a plain table shaped exactly like `events` (identity position, xid8 default, the two
 * unique constraints, the (xid, position) index). `like ... including all` copies all of that; checked here
 * so that a schema change cannot silently make the ceiling cheaper than the real table.
 */
async function createCeilingTable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("create table ceiling_events (like events including all)");
    const indexes = await client.query<{ n: string }>(
      "select count(*) as n from pg_indexes where tablename = $1",
      ["ceiling_events"],
    );
    const expected = await client.query<{ n: string }>(
      "select count(*) as n from pg_indexes where tablename = $1",
      ["events"],
    );
    const identity = await client.query<{ identity: string; xid: string | null }>(
      `select (select attidentity from pg_attribute where attrelid = 'ceiling_events'::regclass and attname = 'position') as identity,
              (select column_default from information_schema.columns
                where table_name = 'ceiling_events' and column_name = 'xid') as xid`,
    );
    const row = identity.rows[0];
    if (
      indexes.rows[0]?.n !== expected.rows[0]?.n ||
      row?.identity !== "a" ||
      !row.xid?.includes("pg_current_xact_id")
    ) {
      throw new Error("ceiling_events does not match events (indexes, identity or xid default)");
    }
  } finally {
    await client.end();
  }
}

/** A raw pg pool on a bench database with every connection opened up front. */
export async function rawPool(url: string, size: number): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    application_name: "stackledger-bench-ceiling",
  });
  // Dropping a bench database terminates its idle connections; that must not crash the run.
  pool.on("error", () => {});
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const client of clients) client.release();
  return pool;
}

/** A connected raw pg client on a bench database (the ceiling's side). */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: "stackledger-bench-ceiling" });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Drops every projection build, its read model and the saved states: the next projector starts from scratch. */
export async function resetProjections(bench: BenchDatabase): Promise<void> {
  const pool = bench.handle.pool!;
  const { rows } = await pool.query<{ table_name: string }>("select table_name from projection_builds");
  for (const row of rows) await pool.query(`drop table if exists ${row.table_name}`);
  await pool.query("delete from projections");
  await pool.query("delete from projection_builds");
  await pool.query("delete from view_changes");
  await pool.query("delete from state_snapshots");
  await pool.query("checkpoint");
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly platform: string;
  readonly node: string;
  readonly postgres: string;
  readonly fsync: string;
  readonly synchronous_commit: string;
  readonly settings: Record<string, string>;
}

const SETTINGS = [
  "shared_buffers",
  "wal_sync_method",
  "full_page_writes",
  "commit_delay",
  "max_wal_size",
  "checkpoint_timeout",
  "wal_level",
  "max_connections",
];

export async function describeMachine(): Promise<Machine> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    const show = async (setting: string) =>
      String((await client.query(`show ${setting}`)).rows[0]?.[setting] ?? "unknown");
    const settings: Record<string, string> = {};
    for (const setting of SETTINGS) settings[setting] = await show(setting);
    return {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      platform: `${platform()} ${release()}`,
      node: process.version,
      postgres: await show("server_version"),
      fsync: await show("fsync"),
      synchronous_commit: await show("synchronous_commit"),
      settings,
    };
  } finally {
    await client.end();
  }
}
