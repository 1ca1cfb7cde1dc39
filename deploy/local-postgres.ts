import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** Where Debian puts PostgreSQL's server binaries; PG_BIN overrides. */
const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL cluster of its own: initdb in a temporary directory, its own free port, trust auth — for a test
 * (which may restart it, crash it or copy it) or the local fleet (`deploy/fleet.ts`). `destroy()` stops it and
 * removes the directory. Never the shared server: restarting that would break every other test file.
 */
export interface PrivateCluster {
  readonly port: number;
  readonly dataDir: string;
  /** A URL to `database` (default `postgres`) as the `postgres` user. */
  url(database?: string): string;
  /** Runs one SQL statement on `database` (default `postgres`). */
  sql<T extends pg.QueryResultRow = pg.QueryResultRow>(statement: string, database?: string): Promise<T[]>;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast|immediate` (immediate is a crash: no checkpoint, recovery on the next start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  restart(): Promise<void>;
  /** Ends every client backend of `database` (what a failover does to its clients). */
  terminateBackends(database: string): Promise<number>;
  destroy(): Promise<void>;
}

/** Why cluster tests cannot run here, or undefined when they can. */
export function privateClusterUnavailable(): string | undefined {
  if (!existsSync(join(PG_BIN, "initdb")) || !existsSync(join(PG_BIN, "pg_ctl"))) {
    return `no PostgreSQL server binaries in ${PG_BIN} (set PG_BIN)`;
  }
  return undefined;
}

/** Commands run as `postgres` when this process is root (initdb refuses root). */
async function pgCommand(binary: string, args: string[]): Promise<string> {
  const path = join(PG_BIN, binary);
  const asRoot = process.getuid?.() === 0;
  const { stdout } = asRoot
    ? await run("runuser", ["-u", "postgres", "--", path, ...args], { timeout: 120_000 })
    : await run(path, args, { timeout: 120_000 });
  return stdout;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary directory the `postgres` user owns when this process is root. */
export async function postgresOwnedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  return dir;
}

export interface ClusterOptions {
  /** Extra `postgresql.conf` lines. */
  readonly settings?: readonly string[];
  /** Start from an existing data directory (a base backup) instead of initdb. */
  readonly fromDataDir?: string;
}

/** initdb + start on a free port. Throws when `privateClusterUnavailable()` says why. */
export async function startPrivateCluster(options: ClusterOptions = {}): Promise<PrivateCluster> {
  const unavailable = privateClusterUnavailable();
  if (unavailable) throw new Error(unavailable);
  const root = await postgresOwnedTempDir("sl-cluster-");
  const dataDir = options.fromDataDir ?? join(root, "data");
  const port = await freePort();
  if (!options.fromDataDir) {
    await pgCommand("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  }
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root}'`,
    "fsync = off",
    "max_connections = 100",
    "shared_buffers = 32MB",
    "wal_level = replica",
    "max_wal_senders = 4",
    ...(options.settings ?? []),
  ];
  await writeFile(join(root, "extra.conf"), `${conf.join("\n")}\n`);
  if (process.getuid?.() === 0) await run("chown", ["postgres", join(root, "extra.conf")]);
  await run("sh", [
    "-c",
    `echo "include_if_exists '${join(root, "extra.conf")}'" >> '${join(dataDir, "postgresql.conf")}'`,
  ]);
  const log = join(root, "server.log");

  const cluster: PrivateCluster = {
    port,
    dataDir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async sql<T extends pg.QueryResultRow>(statement: string, database = "postgres") {
      const client = new pg.Client({ connectionString: cluster.url(database) });
      client.on("error", () => {});
      await client.connect();
      try {
        return (await client.query<T>(statement)).rows;
      } finally {
        await client.end().catch(() => {});
      }
    },
    async start() {
      await pgCommand("pg_ctl", ["-D", dataDir, "-l", log, "-w", "-t", "60", "start"]);
    },
    async stop(mode = "fast") {
      await pgCommand("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
    },
    async restart() {
      await pgCommand("pg_ctl", ["-D", dataDir, "-l", log, "-m", "fast", "-w", "-t", "60", "restart"]);
    },
    async terminateBackends(database: string) {
      const rows = await cluster.sql<{ n: string }>(
        `select count(pg_terminate_backend(pid))::text as n from pg_stat_activity
          where datname = '${database}' and pid <> pg_backend_pid()`,
      );
      return Number(rows[0]?.n ?? 0);
    },
    async destroy() {
      await pgCommand("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await rm(root, { recursive: true, force: true });
      if (options.fromDataDir) await rm(options.fromDataDir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

/** Runs a PostgreSQL client binary (pg_dump, pg_restore, pg_basebackup…) as `postgres` when root. */
export async function runPgBinary(binary: string, args: string[]): Promise<string> {
  return pgCommand(binary, args);
}
