import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dealRecords } from "../projections/index.js";
import { logBuilder } from "../src/domain/test-support/log-builder.js";
import {
  createReadModelTable,
  keepRows,
  loadRows,
  toRowSet,
  writeDiff,
} from "../src/projector/read-model-table.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe("what a runner keeps of the deal rows it wrote", () => {
  it("is the same read back from the table (the server's digest and brief) as computed in memory", async () => {
    const log = logBuilder();
    // Names and fields the JSON must carry byte for byte: non-ASCII, quotes, escapes, an emoji.
    const names: Record<string, string> = {
      a: 'Zürich "Quoted" AI',
      b: "東京 Labs 🚀",
      c: "Back\\slash\nline",
    };
    for (const [id, name] of Object.entries(names)) {
      log.company(id);
      log.add("CompanyUpdated", { companyId: id, name });
    }
    log.deal("AcquisitionReported", "x", "announced", "2025", {
      acquirer: "a",
      target: "b",
      terms: "¼ cash",
    });
    log.deal("FundingRoundReported", "y", "completed", "2024-03", {
      investee: "c",
      round: "seed",
      investors: [{ companyId: "a", amount: { usd: 1.5e6 } }, { companyId: "b" }],
    });
    log.deal("PartnershipReported", "z", "announced", "2023", { partners: ["a", "c"] });
    let state = dealRecords.init();
    for (const event of log.events) state = dealRecords.apply(state, event);
    const rows = toRowSet(dealRecords.rows(state, "2026-01-01"));
    expect(rows.size).toBe(3);

    const table = "rm_kept_test";
    await createReadModelTable(database.handle.db, table, dealRecords.columns);
    await database.handle.db
      .transaction()
      .execute((trx) => writeDiff(trx, table, { upserts: [...rows], deletes: [] }, dealRecords.columns));
    const loaded = await loadRows(database.handle.db, table, dealRecords.briefSql);
    const kept = keepRows(rows);
    expect([...loaded.keys()].sort()).toEqual([...kept.keys()].sort());
    for (const [key, row] of kept) {
      const back = loaded.get(key)!;
      // The same digest and sort key: a row computed again compares equal to the row read back.
      expect({ sortKey: back.sortKey, text: back.text }, key).toEqual({
        sortKey: row.sortKey,
        text: row.text,
      });
      // The brief read back (formatted by the server) parses to the row's: what the deal news reads of it.
      expect(JSON.parse(back.brief!), key).toEqual(JSON.parse(row.brief!));
    }
    // Without the definition's SQL, the runner keeps the JSON itself.
    const plain = await loadRows(database.handle.db, table);
    for (const [key, row] of rows) expect(plain.get(key)!.text).toBe(row.json);
  });
});
