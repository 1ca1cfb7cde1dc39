/**
 * Issue 13: where a deal-records build spends the time after its fold. Folds the projections suite's synthetic
 * log of EVENTS events in memory (the suite's mix: 1 company per 200 events, 1 deal per 5), computes every
 * deal's row as a build does, then, in a fresh database, writes them into a bare table as a build writes them
 * before COPY (2,000 rows a transaction) and builds each index concurrently, timing each step; beside it the
 * same rows written with COPY (`copyRows`, 20,000 a transaction), checked equal. One run: read the proportions.
 *
 *   node --max-old-space-size=8192 --import tsx bench/build-write-figures.ts 1000000 [maintenance_work_mem]
 */
import { performance } from "node:perf_hooks";
import { sql } from "kysely";
import { dealRecords } from "../projections/deal-records/definition.js";
import { applyDealRecordEvent, createDealRecordsState } from "../src/domain/deal-records-state.js";
import { copyRows } from "../src/projector/copy-rows.js";
import {
  createReadModelIndexes,
  createReadModelTable,
  type StoredRow,
  toRowSet,
  writeDiff,
} from "../src/projector/read-model-table.js";
import { withBenchDatabase } from "./lib/database.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const EVENTS = Number(process.argv[2] ?? 200_000);
const MAINTENANCE_WORK_MEM = process.argv[3] ?? "64MB";
const COLUMNS = dealRecords.columns ?? [];

let lapStarted = performance.now();
const lap = (what: string) => {
  const now = performance.now();
  console.log(`${what}: ${((now - lapStarted) / 1000).toFixed(1)} s`);
  lapStarted = now;
};

/** The suite's log folded in memory; ids and data as the log's reader gives them (parsed JSON, flat strings). */
function foldSyntheticLog() {
  const generator = new SyntheticLog({
    events: EVENTS,
    companies: Math.max(10, Math.round(EVENTS / 200)),
    deals: Math.round(EVENTS / 5),
    seed: 1,
  });
  const state = createDealRecordsState();
  const day0 = Date.parse("2026-01-01T00:00:00Z");
  let position = 0;
  for (let done = 0; done < EVENTS; ) {
    const batch = generator.nextBatch(Math.min(1000, EVENTS - done));
    done += batch.length;
    const recordedAt = new Date(day0 + done * 1000).toISOString();
    for (const event of batch) {
      position += 1;
      applyDealRecordEvent(state, {
        eventId: JSON.parse(JSON.stringify(crypto.randomUUID())) as string,
        type: event.type,
        data: JSON.parse(JSON.stringify(event.data)),
        position,
        recordedAt,
      });
    }
  }
  return state;
}

const state = foldSyntheticLog();
lap(`fold of ${EVENTS} events`);
const rows = dealRecords.rows(state, new Date().toISOString().slice(0, 10));
lap(`computing the ${rows.length} rows`);
const upserts: [string, StoredRow][] = [...toRowSet(rows)];
lap("their JSON, digests and briefs (toRowSet)");

await withBenchDatabase(4, async (bench) => {
  const db = bench.handle.db;
  const table = "rm_build_write";
  await createReadModelTable(db, table, COLUMNS, { bare: true });
  lapStarted = performance.now();
  for (let i = 0; i < upserts.length; i += 2000) {
    const chunk = upserts.slice(i, i + 2000);
    await db.transaction().execute((trx) => writeDiff(trx, table, { upserts: chunk, deletes: [] }, COLUMNS));
  }
  lap("writing them with inserts (2,000 a transaction: the embedded database's way)");
  await db.connection().execute(async (connection) => {
    await sql.raw(`set maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`).execute(connection);
    await createReadModelIndexes(connection, table, [], { concurrently: true });
    lap("the sort-key index, concurrently");
    for (const column of COLUMNS) {
      await createReadModelIndexes(connection, table, [column], { concurrently: true });
      lap(
        `the ${column.name} index (${column.index}), concurrently, maintenance_work_mem ${MAINTENANCE_WORK_MEM}`,
      );
    }
    await sql`reset maintenance_work_mem`.execute(connection);
  });

  const copied = "rm_build_copy";
  await createReadModelTable(db, copied, COLUMNS, { bare: true });
  const client = await bench.handle.pool!.connect();
  lapStarted = performance.now();
  try {
    await copyRows(client, copied, upserts, COLUMNS, 20_000);
  } finally {
    client.release();
  }
  lap("the same rows with COPY (20,000 a transaction)");
  const same = await sql<{ differ: string }>`
    select count(*) as differ from ${sql.table(table)} a full join ${sql.table(copied)} b using (key)
    where a.body::text is distinct from b.body::text or a.search is distinct from b.search
       or a.parties is distinct from b.parties or a.value_usd is distinct from b.value_usd`.execute(db);
  console.log(`rows that differ between the two writes: ${same.rows[0]?.differ}`);
});
