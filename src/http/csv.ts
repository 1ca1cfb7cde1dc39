import type { Context } from "hono";

/** One CSV column: its header and how a record gives its cell. */
export interface CsvColumn {
  readonly header: string;
  readonly get: (record: never) => unknown;
}

/** A spreadsheet runs a cell starting with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One RFC 4180 cell: empty for null/undefined, `'`-prefixed when a spreadsheet would read it as a formula,
 * quoted (with doubled quotes) when it holds a comma, a quote or a line break.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text =
    typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (cells: readonly unknown[]): string => `${cells.map(csvCell).join(",")}\r\n`;

/** `format=csv` asks for CSV, `format=json` for JSON; without it, the Accept header decides. */
export function wantsCsv(c: Context, format: string | undefined): boolean {
  if (format !== undefined) return format === "csv";
  return /\btext\/csv\b/i.test(c.req.header("accept") ?? "");
}

export interface CsvBody {
  /** The file name offered to the browser (`stackledger-deals-2025-12-31.csv`). */
  readonly name: string;
  /** The view's cursor (the knowledge point reflected). */
  readonly cursor: string;
  readonly columns: readonly CsvColumn[];
  readonly records: () => AsyncIterable<unknown> | Iterable<unknown>;
}

const ROWS_PER_CHUNK = 2000;

/**
 * A streamed `text/csv` response: the header row, then one row per record, pulled as the client reads
 * (a slow client holds back the reads, nothing piles up in memory).
 */
export function csvResponse(c: Context, body: CsvBody): Response {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (iterator === undefined) {
        const records = body.records();
        iterator =
          Symbol.asyncIterator in records
            ? (records as AsyncIterable<unknown>)[Symbol.asyncIterator]()
            : (records as Iterable<unknown>)[Symbol.iterator]();
        controller.enqueue(encoder.encode(csvRow(body.columns.map((column) => column.header))));
        return;
      }
      let chunk = "";
      for (let i = 0; i < ROWS_PER_CHUNK; i++) {
        const next = await iterator.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        const record = next.value as never;
        chunk += csvRow(body.columns.map((column) => column.get(record)));
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await iterator?.return?.();
    },
  });
  return c.body(stream, 200, {
    "Content-Type": "text/csv; charset=utf-8; header=present",
    "Content-Disposition": `attachment; filename="${body.name}"`,
    "X-Stackledger-Cursor": body.cursor,
  });
}
