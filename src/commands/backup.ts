import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../config.js";
import { connectDatabase } from "../db/connect.js";
import { DataDirLockedError, readLockHolder } from "../db/data-dir-lock.js";
import type { EmbeddedDump } from "../db/dump-embedded.js";

export interface BackupOptions {
  readonly config: Config;
  readonly output?: string;
  /** The running server to ask (default: the one the data folder's lock names). */
  readonly url?: string;
  /** An admin token (default: the data folder's generated `admin-token`). */
  readonly token?: string;
}

/**
 * `stackledger backup --output FILE`: a consistent copy of the embedded database, while it runs. The
 * server holding the folder is asked for it (GET /v1/admin/backup), because no second process may open
 * the folder; with no server running, the command opens the folder itself. Returns the exit status.
 */
export async function backupCommand(options: BackupOptions): Promise<number> {
  const { config } = options;
  if (config.databaseUrl && !options.url) {
    console.error(
      "stackledger: backup copies the embedded database; this deployment uses PostgreSQL (DATABASE_URL). " +
        'Back it up with pg_basebackup, e.g. pg_basebackup -d "$DATABASE_URL" -D backup-$(date +%F) -Ft -z -X stream ' +
        "(see docs/operations.md).",
    );
    return 2;
  }
  if (!options.output) {
    console.error("usage: stackledger backup --output FILE [--data-dir DIR] [--url URL --token TOKEN]");
    return 2;
  }
  const dataDir = resolve(config.dataDir);
  const holder = options.url ? undefined : await readLockHolder(dataDir);
  const url = options.url ?? holder?.url;
  if (holder && !url) throw new DataDirLockedError(dataDir, holder);

  let dump: EmbeddedDump;
  let source: string;
  if (url) {
    const fetched = await fetchBackup(url, options.token ?? (await readAdminToken(dataDir)));
    if (typeof fetched === "string") {
      console.error(`stackledger: backup failed: ${fetched}`);
      return 1;
    }
    dump = fetched;
    source = `the server at ${url}`;
  } else {
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      console.error(
        `stackledger: no embedded database in ${dataDir} (set --data-dir or STACKLEDGER_DATA_DIR)`,
      );
      return 1;
    }
    const handle = await connectDatabase({ dataDir });
    try {
      dump = await handle.dump!();
    } finally {
      await handle.close();
    }
    source = dataDir;
  }

  // Written aside and renamed: an interrupted backup never leaves a truncated file under the chosen name.
  const partial = `${options.output}.partial`;
  try {
    await writeFile(partial, dump.tarball);
    await rename(partial, options.output);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const megabytes = (dump.tarball.length / 1024 / 1024).toFixed(1);
  console.log(`backed up ${dump.events} events from ${source} to ${options.output} (${megabytes} MB)`);
  return 0;
}

async function fetchBackup(url: string, token: string | undefined): Promise<EmbeddedDump | string> {
  if (!token) return "an admin token is needed: pass --token (the folder has no generated admin-token)";
  const response = await fetch(new URL("/v1/admin/backup", url), {
    headers: { authorization: `Bearer ${token}` },
  }).catch((error: Error) => error);
  if (response instanceof Error) return `${url} does not answer (${response.message})`;
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { detail?: string };
    return `${response.status} ${body.detail ?? response.statusText}`;
  }
  return {
    tarball: Buffer.from(await response.arrayBuffer()),
    events: Number(response.headers.get("stackledger-backup-events") ?? Number.NaN),
  };
}

async function readAdminToken(dataDir: string): Promise<string | undefined> {
  const token = await readFile(join(dataDir, "admin-token"), "utf8").catch(() => "");
  return token.trim() || undefined;
}
