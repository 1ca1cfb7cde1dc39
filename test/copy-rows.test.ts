import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRows, copyRowWriter } from "../src/projector/copy-rows.js";
import type { ReadModelColumn } from "../src/projector/definition.js";
import { createReadModelTable, type StoredRow, writeDiff } from "../src/projector/read-model-table.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
let client: pg.Client | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) {
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  }
});
afterAll(async () => {
  await client?.end();
  await database?.drop();
});

/** A column of each type the read models use, as the deal records declare them. */
const COLUMNS: readonly ReadModelColumn[] = [
  { name: "status", type: "text", index: "btree" },
  { name: "opened_day", type: "int4", index: "btree" },
  { name: "value_usd", type: "float8", index: "btree" },
  { name: "parties", type: "text[]", index: "gin" },
];

// Text PostgreSQL can hold (no NUL), with what COPY's text format and array literals must escape.
const awkward = fc.constantFrom("\\", "\t", "\n", "\r", '"', ",", "{", "}", "NULL", "\\N", " ", "é", "🚀");
const text = fc
  .array(fc.oneof(fc.string({ unit: "binary", maxLength: 6 }), awkward), { maxLength: 6 })
  .map((parts) => parts.join("").replaceAll("\u0000", ""));
const row: fc.Arbitrary<StoredRow> = fc.record({
  sortKey: text,
  // A row's body is a JSON object (its record), any text inside it.
  json: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }).map((value) => JSON.stringify(value)),
  columns: fc.record({
    status: fc.option(text, { nil: null }),
    opened_day: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
    value_usd: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
    parties: fc.option(fc.array(text, { maxLength: 4 }), { nil: null }),
  }),
});
const rows = fc.uniqueArray(fc.tuple(text, row), { selector: ([key]) => key, maxLength: 40 });

const read = async (table: string) =>
  (
    await client!.query(
      `select key, sort_key, body::text as body, status, opened_day, value_usd, parties from ${table} order by key collate "C"`,
    )
  ).rows;

describe("a build's rows written with COPY", () => {
  it.skipIf(serverOnly("COPY … FROM STDIN needs a server's protocol"))(
    "fill the table exactly as the inserts do, whatever the text holds",
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(rows, async (written) => {
          run += 1;
          const inserted = `rm_copy_inserted_${run}`;
          const copied = `rm_copy_copied_${run}`;
          await createReadModelTable(database.handle.db, inserted, COLUMNS, { bare: true });
          await createReadModelTable(database.handle.db, copied, COLUMNS, { bare: true });
          const upserts = written as [string, StoredRow][];
          await database.handle.db
            .transaction()
            .execute((trx) => writeDiff(trx, inserted, { upserts, deletes: [] }, COLUMNS));
          // Three rows a transaction: chunks and their boundaries are exercised too.
          await copyRows(client!, copied, upserts, COLUMNS, 3);
          const expected = await read(inserted);
          expect(expected).toHaveLength(upserts.length);
          expect(await read(copied)).toEqual(expected);
          await client!.query(`drop table ${inserted}; drop table ${copied}`);
        }),
        { numRuns: 40 },
      );
    },
    120_000,
  );

  it.skipIf(serverOnly("COPY … FROM STDIN needs a server's protocol"))(
    "leaves nothing of a chunk that fails, and the connection usable",
    async () => {
      await createReadModelTable(database.handle.db, "rm_copy_failing", COLUMNS, { bare: true });
      const good: [string, StoredRow] = ["a", { sortKey: "a", json: "{}", columns: { opened_day: 1 } }];
      const bad: [string, StoredRow] = ["b", { sortKey: "b", json: "{not json", columns: {} }];
      await expect(copyRows(client!, "rm_copy_failing", [good, bad], COLUMNS, 5)).rejects.toThrow(/json/i);
      expect((await client!.query("select count(*)::int as n from rm_copy_failing")).rows[0].n).toBe(0);
      await copyRows(client!, "rm_copy_failing", [good], COLUMNS);
      expect((await client!.query("select key from rm_copy_failing")).rows).toEqual([{ key: "a" }]);
    },
  );

  it.skipIf(serverOnly("terminating a server session needs a server"))(
    "a build's write whose connection is killed mid-way rejects, leaves only whole chunks, and the process lives",
    async () => {
      await createReadModelTable(database.handle.db, "rm_copy_killed", COLUMNS, { bare: true });
      const rows = Array.from({ length: 3000 }, (_, i): [string, StoredRow] => [
        `k${String(i).padStart(5, "0")}`,
        {
          sortKey: String(i),
          json: JSON.stringify({ i, text: "x".repeat(200) }),
          columns: { opened_day: i },
        },
      ]);
      const name = `copy-killed-${process.pid}`;
      const write = copyRowWriter(database.url!, name, 10);
      const count = async () =>
        (await client!.query("select count(*)::int as n from rm_copy_killed")).rows[0].n as number;
      const outcome = write("rm_copy_killed", rows, COLUMNS).then(
        () => undefined,
        (error: unknown) => error,
      );
      // Killed once some chunks are in: the server ends the session, as a restart or a failover would. The
      // writer's connection must not take the process down with an unhandled 'error'.
      while ((await count()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await client!.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
        [name],
      );
      expect(await outcome).toBeInstanceOf(Error);
      const left = await count();
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(rows.length);
      expect(left % 10).toBe(0);
      // A later write (the build's retry) opens a connection of its own and goes through.
      await client!.query("truncate rm_copy_killed");
      await write("rm_copy_killed", rows.slice(0, 25), COLUMNS);
      expect(await count()).toBe(25);
    },
  );
});
