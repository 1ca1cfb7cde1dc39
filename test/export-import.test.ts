import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCursor } from "../src/event-log/cursor.js";
import { exportLog } from "../src/event-log/export-log.js";
import { importEvents } from "../src/event-log/import-events.js";
import { ImportStoppedError, importLog } from "../src/event-log/import-log.js";
import { RepairRefusedError, repairLog } from "../src/event-log/repair-log.js";
import { eventually } from "./support/eventually.js";
import { DEMO_EVENTS_FILE } from "./support/fixtures.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";

let source: TestDatabase;
let target: TestDatabase;
const file = join(tmpdir(), `sl-export-${process.pid}-${Date.now()}.ndjson`);

async function exportAll(database: TestDatabase, after?: { xid: string; position: number }) {
  const lines: { id: string; at: { xid: string; position: number } }[] = [];
  for await (const record of exportLog(database.handle.db, { after, pageSize: 7 })) lines.push(record);
  return lines;
}

/**
 * The whole log once it is readable: the horizon is cluster-wide, so a transaction open anywhere on the
 * shared server briefly keeps just-committed events out of an export.
 */
async function exportWhole(database: TestDatabase, count: number) {
  const read = async () => {
    const records = [];
    for await (const { at: _at, ...record } of exportLog(database.handle.db)) records.push(record);
    return records;
  };
  return eventually(read, (records) => records.length === count, 30_000);
}

beforeAll(async () => {
  [source, target] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await importEvents(source.handle.db, DEMO_EVENTS_FILE, { logId: source.logId, actor: "demo-data" });
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

describe("export and import of a log", () => {
  it("exports in delivery order, page by page, and continues after a cursor", async () => {
    const all = await eventually(
      () => exportAll(source),
      (lines) => lines.length === 63,
      30_000,
    );
    expect(all.length).toBe(63);
    const rest = await exportAll(source, all[9]?.at);
    expect(rest.map((r) => r.id)).toEqual(all.slice(10).map((r) => r.id));
    // The cursor a reader would have been given there is the one the CLI prints for --after.
    expect(encodeCursor(source.logId, all[9]!.at)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("stops at the first line it cannot import, with nothing after it written", async () => {
    const records = await exportWhole(source, 63);
    const broken = records.slice(0, 5).map((r) => JSON.stringify(r));
    broken.splice(3, 0, JSON.stringify({ ...records[3], type: "NoSuchEvent" }));
    await writeFile(file, `${broken.join("\n")}\n`);
    const stopped = importLog(target.handle.db, file, { logId: target.logId, batchSize: 2 });
    await expect(stopped).rejects.toThrow(ImportStoppedError);
    await expect(stopped).rejects.toThrow(/line 4/);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(
      target.handle.db,
    );
    expect(rows[0]?.n).toBe(2);

    // A stream version that differs from the file's: this database holds another history of that stream.
    const wrong = records.slice(0, 5).map((r, i) => JSON.stringify(i === 2 ? { ...r, streamVersion: 9 } : r));
    await writeFile(file, `${wrong.join("\n")}\n`);
    await expect(importLog(target.handle.db, file, { logId: target.logId })).rejects.toThrow(/version/);

    // The whole file then imports, resuming after what is there, ids and recorded times kept.
    await writeFile(file, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    const summary = await importLog(target.handle.db, file, { logId: target.logId, batchSize: 10 });
    expect(summary).toMatchObject({ appended: 61, alreadyPresent: 2 });
    expect(await exportWhole(target, 63)).toEqual(records);
  });

  it.skipIf(serverOnly("a second session holding a write lock needs a server"))(
    "repair refuses while another process is appending",
    async () => {
      const client = new pg.Client({ connectionString: target.url });
      client.on("error", () => {});
      await client.connect();
      try {
        // Make the log ahead, then hold an append's lock open in another session.
        await sql`update events set xid = (xid::text::bigint + 1099511627776)::text::xid8`.execute(
          target.handle.db,
        );
        await client.query("begin");
        await client.query("lock table events in row exclusive mode");
        await expect(repairLog(target.handle.db)).rejects.toThrow(RepairRefusedError);
        await expect(repairLog(target.handle.db)).rejects.toThrow(/another process is writing/);
        await client.query("rollback");
        const result = await repairLog(target.handle.db);
        expect(result.events).toBe(63);
      } finally {
        await client.end();
      }
    },
  );
});
