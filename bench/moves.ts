// Moves between databases (issue 11): `stackledger export` and `import` rates for a 100,000-event log, on
// PostgreSQL and on the embedded database, and how long `stackledger repair` takes for it.
//   npx tsx bench/moves.ts [--events 100000] [--no-embedded]
// Connects to BENCH_DATABASE_URL, else DATABASE_URL, else the local server (the role creates databases).
// The commands run as the CLI runs them (the same functions, in this process, without tsx's start-up).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { runExport } from "../src/commands/export.js";
import { runImport } from "../src/commands/import.js";
import { runRepair } from "../src/commands/repair.js";
import { readConfig } from "../src/config.js";
import { connectDatabase } from "../src/db/connect.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { readLogId } from "../src/event-log/log-id.js";
import { adminQuery, databaseUrl } from "./lib/database.js";
import { SyntheticLog } from "./lib/synthetic-log.js";

const { values } = parseArgs({
  options: { events: { type: "string", default: "100000" }, "no-embedded": { type: "boolean" } },
});
const EVENTS = Number(values.events);
const quiet = { STACKLEDGER_DEMO_DATA: "false" };

async function timed(what: string, body: () => Promise<number>): Promise<number> {
  const began = performance.now();
  const code = await body();
  if (code !== 0) throw new Error(`${what} exited with ${code}`);
  return (performance.now() - began) / 1000;
}

const dir = await mkdtemp(join(tmpdir(), "sl-bench-moves-"));
const suffix = randomBytes(4).toString("hex");
const names = [`sl_bench_moves_src_${suffix}`, `sl_bench_moves_dst_${suffix}`];
const results: string[] = [];
try {
  for (const name of names) await adminQuery(`create database ${name}`);
  const [sourceUrl, targetUrl] = names.map(databaseUrl) as [string, string];

  const source = await connectDatabase({ url: sourceUrl, poolSize: 2 });
  await migrateToLatest(source.db);
  const logId = await readLogId(source.db);
  const generator = new SyntheticLog({ events: EVENTS, companies: 5000, deals: 20_000, seed: 11 });
  for (let loaded = 0; loaded < EVENTS; ) {
    const batch = generator.nextBatch(Math.min(1000, EVENTS - loaded));
    await appendEvents(source.db, batch, { logId, actor: "bench" });
    loaded += batch.length;
  }
  await source.close();
  console.error(`loaded ${EVENTS} events`);

  const file = join(dir, "log.ndjson");
  const rate = (seconds: number) => `${Math.round(EVENTS / seconds).toLocaleString("en")} events/s`;
  const pgConfig = (url: string) => readConfig({ ...quiet, DATABASE_URL: url });
  const exportSeconds = await timed("export", () => runExport(pgConfig(sourceUrl), { output: file }));
  const size = (await stat(file)).size;
  results.push(
    `export, PostgreSQL: ${exportSeconds.toFixed(1)} s, ${rate(exportSeconds)} (${(size / 1e6).toFixed(1)} MB)`,
  );
  const importSeconds = await timed("import", () => runImport(pgConfig(targetUrl), file));
  results.push(`import, PostgreSQL: ${importSeconds.toFixed(1)} s, ${rate(importSeconds)}`);

  // A log ahead of its cluster, as a logical restore into a younger cluster leaves it: the same rows with
  // ids far above the cluster's counter (how they got there does not change the repair's work).
  const target = await connectDatabase({ url: targetUrl, poolSize: 1 });
  await sql`update events set xid = (xid::text::bigint + 1099511627776)::text::xid8`.execute(target.db);
  await target.close();
  const repairSeconds = await timed("repair", () => runRepair(pgConfig(targetUrl)));
  results.push(`repair, PostgreSQL: ${repairSeconds.toFixed(1)} s for ${EVENTS.toLocaleString("en")} events`);

  if (!values["no-embedded"]) {
    const embedded = (name: string) =>
      readConfig({ ...quiet, DATABASE_URL: "", STACKLEDGER_DATA_DIR: join(dir, name) });
    const seconds = await timed("embedded import", () => runImport(embedded("embedded"), file));
    results.push(`import, embedded: ${seconds.toFixed(1)} s, ${rate(seconds)}`);
    const out = join(dir, "embedded.ndjson");
    const back = await timed("embedded export", () => runExport(embedded("embedded"), { output: out }));
    results.push(`export, embedded: ${back.toFixed(1)} s, ${rate(back)}`);
  }
} finally {
  for (const name of names) await adminQuery(`drop database if exists ${name} with (force)`).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
console.log(`\nmoves, ${EVENTS.toLocaleString("en")} events (synthetic log, seed 11):`);
for (const line of results) console.log(`  ${line}`);
