import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../../src/db/connect.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { readLogId } from "../../src/event-log/log-id.js";

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  readonly logId: string;
  /** The URL of this test's own database (server only). */
  readonly url?: string;
  drop(): Promise<void>;
}

/** The server URL the run uses, or "" under PGlite. */
export const serverUrl = inject("serverUrl");

/** Why a server-only test is skipped (printed once per file), or undefined when a server is there. */
export function serverOnly(what: string): boolean {
  if (serverUrl) return false;
  console.warn(`skipped under PGlite (needs a PostgreSQL server): ${what}`);
  return true;
}

/** A fresh, migrated database for one test file: created on the server and dropped after, or in-memory PGlite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) {
    const handle = await connectDatabase({ dataDir: "memory://" });
    await migrateToLatest(handle.db);
    return { handle, logId: await readLogId(handle.db), drop: () => handle.close() };
  }
  const name = `sl_test_${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`);
  const url = withDatabase(serverUrl, name);
  const handle = await connectDatabase({ url, poolSize: 20 });
  await migrateToLatest(handle.db);
  return {
    handle,
    logId: await readLogId(handle.db),
    url,
    async drop() {
      await handle.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
