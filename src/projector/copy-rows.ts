/**
 * A build's rows written with COPY instead of INSERT … SELECT (PostgreSQL only; the embedded database keeps the
 * inserts). A build fills a table of its own that nobody reads before the swap, with no conflicts to resolve,
 * so COPY fits: measured at 1M events, the deal records' 198,090 rows in 4.6–5.0 s against 7.7–11.6 s for
 * the inserts (`bench/build-write-figures.ts`, which also checks that both give the same table).
 *
 * Each chunk is its own short transaction, as the inserts were: every reader of the log reads only below the
 * oldest transaction running, so one long COPY would stall the feed and the other projections.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DEFAULT_DB_TIMEOUT_MS } from "../db/connect.js";
import { type ConnectionTarget, resolveTarget } from "../db/connection-string.js";
import type { ReadModelColumn } from "./definition.js";
import type { StoredRow } from "./read-model-table.js";

/** Rows per COPY transaction (≈ 0.1 s of the deal records' rows at 1M). */
const ROWS_PER_TRANSACTION = 5000;

/** A text field of COPY's text format: backslash, newline, carriage return and tab escaped. */
export function copyText(value: string): string {
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t",
  );
}

/** An array literal: each element double-quoted, its quotes and backslashes escaped (`{"a","b \"c\""}`). */
function arrayLiteral(values: readonly unknown[]): string {
  const elements = values.map((value) =>
    value === null || value === undefined ? "NULL" : `"${String(value).replace(/[\\"]/g, "\\$&")}"`,
  );
  return `{${elements.join(",")}}`;
}

/** One column's value as a COPY field: null as `\N`, a list as an array, an object as JSON, else its text. */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  if (Array.isArray(value)) return copyText(arrayLiteral(value));
  if (typeof value === "object") return copyText(JSON.stringify(value));
  return copyText(String(value));
}

function copyLine(key: string, row: StoredRow, columns: readonly ReadModelColumn[]): string {
  const fields = [copyText(key), copyText(row.sortKey), copyText(row.json)];
  for (const column of columns) fields.push(copyField(row.columns?.[column.name]));
  return `${fields.join("\t")}\n`;
}

/** Writes rows into a read-model table with COPY on `client`, a transaction per chunk. */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  rows: readonly (readonly [string, StoredRow])[],
  columns: readonly ReadModelColumn[] = [],
  rowsPerTransaction = ROWS_PER_TRANSACTION,
): Promise<void> {
  const names = ["key", "sort_key", "body", ...columns.map((column) => column.name)]
    .map((name) => client.escapeIdentifier(name))
    .join(", ");
  const statement = `copy ${client.escapeIdentifier(table)} (${names}) from stdin`;
  for (let i = 0; i < rows.length; i += rowsPerTransaction) {
    const lines = rows.slice(i, i + rowsPerTransaction).map(([key, row]) => copyLine(key, row, columns));
    await client.query("begin");
    try {
      await pipeline(Readable.from(lines), client.query(copyFrom(statement)));
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    }
  }
}

/** A build's bulk write: rows into a table nobody reads yet. */
export type BulkRowWriter = (
  table: string,
  rows: readonly (readonly [string, StoredRow])[],
  columns?: readonly ReadModelColumn[],
) => Promise<void>;

/** COPY on a connection of its own for each bulk write (closed after it, whatever happens). */
export function copyRowWriter(
  url: ConnectionTarget,
  applicationName: string,
  rowsPerTransaction = ROWS_PER_TRANSACTION,
): BulkRowWriter {
  return async (table, rows, columns) => {
    // The pool's fault settings (src/db/connect.ts): a server that is away fails the build within the
    // timeout, one that vanished without closing the socket is noticed, and a transaction left open by a
    // stalled write cannot hold the log's readers back for long.
    const client = new pg.Client({
      connectionString: await resolveTarget(url),
      application_name: applicationName,
      connectionTimeoutMillis: DEFAULT_DB_TIMEOUT_MS,
      keepAlive: true,
      idle_in_transaction_session_timeout: 30_000,
    });
    // A connection that dies is reported by the query under way; an unhandled 'error' would end the process.
    client.on("error", () => {});
    try {
      await client.connect();
      await copyRows(client, table, rows, columns, rowsPerTransaction);
    } finally {
      await client.end().catch(() => {});
    }
  };
}
