import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Kysely, Migrator, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../migrations/index.js";
import { SchemaTooNewError } from "../src/db/check-schema-version.js";
import { connectDatabase, type DatabaseHandle } from "../src/db/connect.js";
import { isMigrated, migrateToLatest } from "../src/db/migrate.js";
import type { Database } from "../src/db/schema.js";
import { importEvents } from "../src/event-log/import-events.js";
import { readLogId } from "../src/event-log/log-id.js";
import { readAllIds, startEmbedded, stopService } from "./support/embedded-service.js";
import { DEMO_EVENTS_FILE, demoEvents } from "./support/fixtures.js";
import { runCli } from "./support/spawn-service.js";
import { createTestDatabase, serverOnly, serverUrl } from "./support/test-database.js";

const FIRST = "2026-11-22T00-00-event-log";
const LATEST = Object.keys(migrations).sort().at(-1)!;
const FUTURE = "2099-01-01T00-00-from-a-newer-release";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stackledger-upgrade-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What an older release left: only its migrations applied, and the demo events appended by it. */
async function writeAsOlderRelease(db: Kysely<Database>): Promise<void> {
  const first = { [FIRST]: migrations[FIRST]! };
  const result = await new Migrator({ db, provider: { getMigrations: async () => first } }).migrateToLatest();
  if (result.error) throw result.error;
  const summary = await importEvents(db, DEMO_EVENTS_FILE, { logId: await readLogId(db) });
  expect(summary.appended).toBe(demoEvents().length);
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((row) => row.name);
}

async function fakeNewerRelease(db: Kysely<Database>): Promise<void> {
  await sql`insert into kysely_migration (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(
    db,
  );
}

/** An empty database: on the test server, or in-memory PGlite. */
async function emptyDatabase(): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  if (!serverUrl) {
    const handle = await connectDatabase({ dataDir: "memory://" });
    return { handle, drop: () => handle.close() };
  }
  const name = `sl_test_${randomBytes(6).toString("hex")}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    client.on("error", () => {});
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await connectDatabase({ url: url.toString() });
  return {
    handle,
    async drop() {
      await handle.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

describe("a database from an older release", () => {
  it("is migrated and keeps its events, in order", async () => {
    const database = await emptyDatabase();
    try {
      const { db } = database.handle;
      await writeAsOlderRelease(db);
      expect(await isMigrated(db)).toBe(false);
      const result = await migrateToLatest(db);
      expect(result.results?.map((r) => [r.migrationName, r.status])).toEqual(
        Object.keys(migrations)
          .sort()
          .slice(1)
          .map((name) => [name, "Success"]),
      );
      expect(await appliedMigrations(db)).toEqual(Object.keys(migrations).sort());
      const ids = await db.selectFrom("events").select("event_id").orderBy("position").execute();
      expect(ids.map((row) => row.event_id)).toEqual(demoEvents().map((event) => event.id));
    } finally {
      await database.drop();
    }
  });

  it("(an embedded folder) is migrated at start and serves its events", async () => {
    const dataDir = join(dir, "older");
    const handle = await connectDatabase({ dataDir });
    await writeAsOlderRelease(handle.db);
    await handle.close();

    const service = await startEmbedded(dataDir);
    expect(service.spawned.output()).not.toContain("demo data");
    expect(await readAllIds(service.url)).toEqual(demoEvents().map((event) => event.id));
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
    expect(await stopService(service)).toBe(0);
  }, 180_000);
});

describe("a database from a newer release", () => {
  it("is refused before anything changes, naming both versions", async () => {
    const database = await createTestDatabase();
    try {
      const { db } = database.handle;
      await fakeNewerRelease(db);
      const error = await migrateToLatest(db).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaTooNewError);
      expect((error as Error).message).toContain(`its schema is at version ${FUTURE}`);
      expect((error as Error).message).toContain(`knows versions up to ${LATEST}`);
      expect(await appliedMigrations(db)).toEqual([...Object.keys(migrations).sort(), FUTURE]);
    } finally {
      await database.drop();
    }
  });

  it("(an embedded folder) is refused at start: one line, status 1, the folder untouched", async () => {
    const dataDir = join(dir, "newer");
    const handle = await connectDatabase({ dataDir });
    await migrateToLatest(handle.db);
    await fakeNewerRelease(handle.db);
    await handle.close();

    const start = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir });
    expect(await start.exited).toBe(1);
    expect(start.output()).toContain(`stackledger: the database was written by a newer release`);
    expect(start.output()).toContain(FUTURE);
    expect(start.output()).toContain(LATEST);
    expect(start.output()).not.toMatch(/\n\s+at /);

    const reopened = await connectDatabase({ dataDir });
    try {
      expect(await appliedMigrations(reopened.db)).toEqual([...Object.keys(migrations).sort(), FUTURE]);
      expect(await reopened.db.selectFrom("events").select("position").execute()).toEqual([]);
    } finally {
      await reopened.close();
    }
  }, 180_000);

  it.skipIf(serverOnly("start a process on a PostgreSQL database"))(
    "(a PostgreSQL database) is refused at start: one line, status 1",
    async () => {
      const database = await createTestDatabase();
      try {
        await fakeNewerRelease(database.handle.db);
        const start = runCli(["serve", "--port", "0"], { DATABASE_URL: database.url! });
        expect(await start.exited).toBe(1);
        expect(start.output()).toContain(`its schema is at version ${FUTURE}`);
        expect(start.output()).not.toMatch(/\n\s+at /);
      } finally {
        await database.drop();
      }
    },
    120_000,
  );
});
