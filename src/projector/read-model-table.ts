import { hash } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import type { ReadModelColumn, ReadModelRow } from "./definition.js";

/**
 * Read-model rows as stored: their sort key (ascending = the view's order) and their JSON text (compared as
 * text to find changes). A sort key, not a dense position: one new row must not shift every row below it.
 */
export interface StoredRow {
  readonly sortKey: string;
  readonly json: string;
  /** Extra column values (absent for rows loaded back from the table: only changed rows are written). */
  readonly columns?: Readonly<Record<string, unknown>>;
  /** The row's brief as JSON text and a digest of `json`, when the definition gives briefs (see `KeptRow`). */
  readonly brief?: string;
  readonly digest?: string;
}

export type RowSet = Map<string, StoredRow>;

/**
 * What a runner keeps of a row it wrote, to tell whether a new row differs and to describe the change: its
 * sort key and its JSON — or, for a definition that gives briefs, a digest of its JSON (md5, hex: the same
 * as the server's `md5(body::text)` of the stored row) and the brief, what `describe` reads of a previous
 * row (a deal row's 1.3 KB become ≈ 150 bytes). `describe` gets the parsed brief, else the parsed JSON.
 */
export interface KeptRow {
  readonly sortKey: string;
  /** The JSON, or its digest when `brief` is set: equal texts, equal rows. */
  readonly text: string;
  readonly brief?: string;
}

export type KeptRows = Map<string, KeptRow>;

export const digestOf = (json: string): string => hash("md5", json, "hex");

/**
 * A string as one flat piece: built by concatenation or JSON.stringify it is a tree of parts (a cons string,
 * ≈ 1.5× the bytes); reading a character flattens it. For what is kept as long as the row is.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** What a row just computed is compared by: its JSON, or its digest when the definition gives briefs. */
const keptText = (row: StoredRow): string =>
  row.brief === undefined ? row.json : (row.digest ?? digestOf(row.json));

/** The kept form of one row just computed. */
export function keptRow(row: StoredRow): KeptRow {
  const text = flat(keptText(row));
  return row.brief === undefined
    ? { sortKey: flat(row.sortKey), text }
    : { sortKey: flat(row.sortKey), text, brief: flat(row.brief) };
}

/** The kept form of rows just computed. */
export function keepRows(rows: RowSet): KeptRows {
  const kept: KeptRows = new Map();
  for (const [key, row] of rows) kept.set(key, keptRow(row));
  return kept;
}

/** `rm_<name>_v<version>_b<build>`, with the name's dashes as underscores. */
export function readModelTableName(name: string, version: number, build: number): string {
  const table = `rm_${name.replaceAll("-", "_")}_v${version}_b${build}`;
  if (!/^rm_[a-z0-9_]{1,50}$/.test(table)) throw new Error(`invalid read-model table name ${table}`);
  return table;
}

const columnType = (column: ReadModelColumn) =>
  sql.raw(column.type === "text" ? `text collate "C"` : column.type);

/**
 * A read-model table with its indexes. A build that fills a new table in one go creates it `bare` and adds
 * the indexes after the rows (`createReadModelIndexes`), before the swap: building an index once over 200,000 rows takes a
 * third of the time of maintaining it row by row (the deal records at 1M: 14.5 s against 21 s).
 */
export async function createReadModelTable(
  db: Kysely<Database> | Transaction<Database>,
  table: string,
  columns: readonly ReadModelColumn[] = [],
  options: { bare?: boolean } = {},
) {
  // Collation "C": byte order, the same as the JavaScript string order the views sort with.
  const extra = columns.map((column) => sql`, ${sql.id(column.name)} ${columnType(column)}`);
  await sql`create table if not exists ${sql.table(table)} (key text primary key, sort_key text collate "C" not null, body json not null${sql.join(extra, sql``)})`.execute(
    db,
  );
  if (!options.bare) await createReadModelIndexes(db, table, columns);
}

/**
 * The sort-key index and the columns' indexes of a read-model table (none already there is built twice).
 * `concurrently` (outside a transaction only): `create index concurrently` takes no transaction id while it
 * scans, so readers of the log, who read only below the oldest transaction running, do not wait for it — a
 * plain build of the trigram index held them ≈ 11 s over 400,000 rows (measured; concurrently: none, for
 * 18 s instead of 11).
 */
export async function createReadModelIndexes(
  db: Kysely<Database> | Transaction<Database>,
  table: string,
  columns: readonly ReadModelColumn[] = [],
  options: { concurrently?: boolean } = {},
) {
  const how = sql.raw(options.concurrently ? "concurrently if not exists" : "if not exists");
  await sql`create index ${how} ${sql.id(`${table}_sort_idx`)} on ${sql.table(table)} (sort_key)`.execute(db);
  for (const column of columns) {
    if (column.index === undefined) continue;
    if (column.index === "trigram") {
      // A trigram index for `like '%…%'`, when the server has pg_trgm (a trusted extension: the database owner
      // may create it). The embedded database has none: the search then scans, which is fine at its scale.
      const available = await sql<{ ok: boolean }>`
        select exists (select 1 from pg_available_extensions where name = 'pg_trgm') as ok`.execute(db);
      if (!available.rows[0]?.ok) continue;
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`create index ${how} ${sql.id(`${table}_${column.name}_idx`)} on ${sql.table(table)} using gin (${sql.id(column.name)} gin_trgm_ops)`.execute(
        db,
      );
      continue;
    }
    await sql`create index ${how} ${sql.id(`${table}_${column.name}_idx`)} on ${sql.table(table)} using ${sql.raw(column.index)} (${sql.id(column.name)})`.execute(
      db,
    );
  }
}

export async function dropReadModelTable(db: Kysely<Database> | Transaction<Database>, table: string) {
  await sql`drop table if exists ${sql.table(table)}`.execute(db);
}

/**
 * A table's rows in their kept form. `briefSql`: the definition's SQL for a row's brief from its `body`;
 * then the server sends a digest and the brief of each row, not its JSON.
 */
export async function loadRows(db: Kysely<Database>, table: string, briefSql?: string): Promise<KeptRows> {
  if (briefSql === undefined) {
    const result = await sql<{ key: string; sort_key: string; body: string }>`
      select key, sort_key, body::text as body from ${sql.table(table)}`.execute(db);
    return new Map(result.rows.map((row) => [row.key, { sortKey: row.sort_key, text: row.body }]));
  }
  const result = await sql<{ key: string; sort_key: string; digest: string; brief: string }>`
    select key, sort_key, md5(body::text) as digest, (${sql.raw(briefSql)})::text as brief
    from ${sql.table(table)}`.execute(db);
  return new Map(
    result.rows.map((row) => [row.key, { sortKey: row.sort_key, text: row.digest, brief: row.brief }]),
  );
}

/** Turns a view's rows into the stored form. */
export function toRowSet(rows: readonly ReadModelRow[]): RowSet {
  return new Map(
    rows.map((row) => {
      const json = row.json ?? JSON.stringify(row.body);
      const stored: StoredRow = {
        sortKey: row.sortKey,
        json,
        ...(row.columns === undefined ? {} : { columns: row.columns }),
        ...(row.brief === undefined ? {} : { brief: JSON.stringify(row.brief), digest: digestOf(json) }),
      };
      return [row.key, stored];
    }),
  );
}

export interface RowDiff {
  readonly upserts: [string, StoredRow][];
  readonly deletes: string[];
}

/** Whether a computed row differs from what was kept of the row under its key. */
export function differs(old: KeptRow | undefined, row: StoredRow): boolean {
  return !old || old.sortKey !== row.sortKey || old.text !== keptText(row);
}

export function diffRows(before: KeptRows, after: RowSet): RowDiff {
  const upserts: [string, StoredRow][] = [];
  for (const [key, row] of after) if (differs(before.get(key), row)) upserts.push([key, row]);
  const deletes = [...before.keys()].filter((key) => !after.has(key));
  return { upserts, deletes };
}

/** Applies a diff inside the caller's transaction, in chunks that keep statements small. */
export async function writeDiff(
  trx: Transaction<Database>,
  table: string,
  diff: RowDiff,
  columns: readonly ReadModelColumn[] = [],
): Promise<void> {
  for (let i = 0; i < diff.deletes.length; i += 1000) {
    const keys = diff.deletes.slice(i, i + 1000);
    await sql`delete from ${sql.table(table)} where key = any(${keys}::text[])`.execute(trx);
  }
  if (columns.length > 0) {
    await writeUpsertsWithColumns(trx, table, diff.upserts, columns);
    return;
  }
  for (let i = 0; i < diff.upserts.length; i += 1000) {
    const chunk = diff.upserts.slice(i, i + 1000);
    await sql`
      insert into ${sql.table(table)} (key, sort_key, body)
      select * from unnest(${chunk.map(([key]) => key)}::text[], ${chunk.map(([, r]) => r.sortKey)}::text[], ${chunk.map(([, r]) => r.json)}::json[])
      on conflict (key) do update set sort_key = excluded.sort_key, body = excluded.body`.execute(trx);
  }
}

/**
 * Upserts with extra columns: one JSON array of records per chunk, unpacked by `json_to_recordset` (which
 * also turns JSON arrays into `text[]`, where `unnest` of a 2-D array could not).
 */
async function writeUpsertsWithColumns(
  trx: Transaction<Database>,
  table: string,
  upserts: readonly [string, StoredRow][],
  columns: readonly ReadModelColumn[],
) {
  const names = ["key", "sort_key", "body", ...columns.map((column) => column.name)];
  const types = [sql`key text`, sql`sort_key text`, sql`body json`].concat(
    columns.map((column) => sql`${sql.id(column.name)} ${sql.raw(column.type)}`),
  );
  const ids = sql.join(names.map((name) => sql.id(name)));
  const updates = sql.join(names.slice(1).map((name) => sql`${sql.id(name)} = excluded.${sql.id(name)}`));
  for (let i = 0; i < upserts.length; i += 1000) {
    // The body is spliced in as the JSON text it already is (no parse and stringify per row).
    const records = upserts.slice(i, i + 1000).map(([key, row]) => {
      const values = columns.map(
        (column) => `,${JSON.stringify(column.name)}:${JSON.stringify(row.columns?.[column.name] ?? null)}`,
      );
      return `{"key":${JSON.stringify(key)},"sort_key":${JSON.stringify(row.sortKey)},"body":${row.json}${values.join("")}}`;
    });
    await sql`
      insert into ${sql.table(table)} (${ids})
      select ${ids} from json_to_recordset(${`[${records.join(",")}]`}::json) as x(${sql.join(types)})
      on conflict (key) do update set ${updates}`.execute(trx);
  }
}

/** Keeps rows whose body has `value` in any of `fields` (top-level string fields). */
export interface RowFilter {
  readonly fields: readonly string[];
  readonly value: string;
}

export interface ReadRowsOptions {
  /** Sort key of the previous page's last row; undefined for the first page. */
  readonly after?: string;
  readonly limit: number;
  readonly key?: string;
  readonly filters?: readonly RowFilter[];
}

/** A row as a page returns it: its body as JSON text, served as it is stored. */
export interface PageRow {
  readonly sortKey: string;
  readonly json: string;
}

/** Reads a page of rows in view order, starting after the sort key `after`. */
export async function readRows(
  db: Kysely<Database>,
  table: string,
  options: ReadRowsOptions,
): Promise<PageRow[]> {
  const conditions = [options.after === undefined ? sql`true` : sql`sort_key > ${options.after}`];
  if (options.key !== undefined) conditions.push(sql`key = ${options.key}`);
  for (const filter of options.filters ?? []) {
    conditions.push(
      sql`(${sql.join(
        filter.fields.map((field) => sql`body->>${field} = ${filter.value}`),
        sql` or `,
      )})`,
    );
  }
  const result = await sql<{ sort_key: string; body: string }>`
    select sort_key, body::text as body from ${sql.table(table)}
     where ${sql.join(conditions, sql` and `)}
     order by sort_key limit ${options.limit}`.execute(db);
  return result.rows.map((row) => ({ sortKey: row.sort_key, json: row.body }));
}

/** The same filter over rows held in memory. */
export function matchesFilters(body: unknown, filters: readonly RowFilter[] = []): boolean {
  const record = body as Record<string, unknown>;
  return filters.every((filter) => filter.fields.some((field) => record[field] === filter.value));
}
