import { randomUUID } from "node:crypto";
import { type AppendContext, appendEvents, type NewEvent } from "../../src/event-log/append-events.js";
import type { BenchDatabase } from "./database.js";
import { copyLogToEmmett, type Emmett, type EmmettEvent, openEmmett } from "./emmett.js";

export const ACTOR = "bench";

export const companyId = (index: number): string => `bench-${index}`;

/** The registration every append workload starts from (untimed). */
export function companyRegistered(index: number): NewEvent {
  return {
    type: "CompanyRegistered",
    data: { companyId: companyId(index), name: `Bench ${index}`, kind: "company" },
  };
}

/** A fuller registration (~300 bytes of data), the row the read workload reads back. */
export function richCompanyRegistered(index: number): NewEvent {
  return {
    type: "CompanyRegistered",
    data: {
      companyId: companyId(index),
      name: `Bench Company ${index}`,
      kind: "company",
      country: "US",
      foundedOn: "2015-12",
      aliases: [`BC${index}`],
      layers: [{ layer: "model" }],
      sources: [{ url: `https://example.com/news/${index}`, title: "A report about a company" }],
    },
    metadata: { correlationId: randomUUID() },
  };
}

/** The timed append: a name change of an already registered company (its stream's version 2). */
export function companyUpdated(index: number): NewEvent {
  return { type: "CompanyUpdated", data: { companyId: companyId(index), name: `Bench ${index} Renamed` } };
}

/** The same append for Emmett: its stream name and event, from `companyUpdated(index)`. */
export function emmettCompanyUpdated(index: number): { stream: string; event: EmmettEvent } {
  const event = companyUpdated(index);
  return {
    stream: `company-${companyId(index)}`,
    event: { type: event.type, data: event.data as Record<string, unknown> },
  };
}

/** Emmett on the bench database, holding the same log as `events` (after `registerCompanies`). */
export async function emmettWithSameLog(bench: BenchDatabase, poolSize: number): Promise<Emmett> {
  const emmett = await openEmmett(bench.url, poolSize);
  await copyLogToEmmett(bench.url);
  await bench.handle.pool!.query("checkpoint");
  return emmett;
}

export function context(bench: BenchDatabase): AppendContext {
  return { logId: bench.logId, actor: ACTOR, requestId: randomUUID() };
}

/** The columns a raw INSERT writes, in the order of `insertSql`; the rest are defaults, as in `events`. */
const COLUMNS = "event_id, stream_id, stream_version, type, data, metadata, actor, request_id";
const WIDTH = 8;

/**
 * The row `appendEvents` stores for `companyUpdated(index)`: same stream id, version, type, JSON text,
 * null metadata, actor and request id. The raw INSERT computes nothing: that is the ceiling.
 */
export function ceilingRow(index: number, version = 2, streamIndex = index): unknown[] {
  const event = companyUpdated(index);
  return [
    randomUUID(),
    `company-${companyId(streamIndex)}`,
    version,
    event.type,
    JSON.stringify(event.data),
    null,
    ACTOR,
    randomUUID(),
  ];
}

/** COPY's text format for `rows` (tabs between columns; backslash escapes; \N for null). */
export function copyText(rows: readonly unknown[][]): string {
  const field = (value: unknown) =>
    value === null || value === undefined
      ? "\\N"
      : String(value).replace(
          /[\\\n\r\t]/g,
          (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!,
        );
  return rows.map((row) => `${row.map(field).join("\t")}\n`).join("");
}

/** `copy ceiling_events (...) from stdin`, the columns of `ceilingRow`. */
export const COPY_SQL = `copy ceiling_events (${COLUMNS}) from stdin`;

/** `insert into ceiling_events ... values (...), (...) returning position, xid` for `rows` rows. */
export function insertSql(rows: number): string {
  const tuples = Array.from(
    { length: rows },
    (_, row) => `(${Array.from({ length: WIDTH }, (_, col) => `$${row * WIDTH + col + 1}`).join(", ")})`,
  );
  return `insert into ceiling_events (${COLUMNS}) values ${tuples.join(", ")} returning position, xid::text as xid`;
}

/**
 * Registers companies `0..count-1` through the library in 1000-event batches, copies those rows into
 * `ceiling_events` so that both tables start the timed part equally full, then vacuums, analyzes and
 * checkpoints so that neither side pays for the setup's leftovers.
 */
export async function registerCompanies(
  bench: BenchDatabase,
  count: number,
  make: (index: number) => NewEvent = companyRegistered,
  copyToCeiling = true,
): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - start) }, (_, i) => make(start + i));
    await appendEvents(bench.handle.db, batch, context(bench));
  }
  const pool = bench.handle.pool!;
  if (copyToCeiling) {
    await pool.query(
      `insert into ceiling_events (${COLUMNS}) select ${COLUMNS} from events order by position`,
    );
  }
  await pool.query("vacuum analyze events");
  if (copyToCeiling) await pool.query("vacuum analyze ceiling_events");
  await pool.query("checkpoint");
}
