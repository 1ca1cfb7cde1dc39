import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";
import type { ReadModelRow } from "./definition.js";

/** Read-model rows as stored: their view order and their JSON text (compared as text to find changes). */
export interface StoredRow {
  readonly ord: number;
  readonly json: string;
}

export type RowSet = Map<string, StoredRow>;

/** `rm_<name>_v<version>_b<build>`, with the name's dashes as underscores. */
export function readModelTableName(name: string, version: number, build: number): string {
  const table = `rm_${name.replaceAll("-", "_")}_v${version}_b${build}`;
  if (!/^rm_[a-z0-9_]{1,50}$/.test(table)) throw new Error(`invalid read-model table name ${table}`);
  return table;
}

export async function createReadModelTable(db: Kysely<Database> | Transaction<Database>, table: string) {
  await sql`create table if not exists ${sql.table(table)} (key text primary key, ord integer not null, body json not null)`.execute(
    db,
  );
  await sql`create index if not exists ${sql.id(`${table}_ord_idx`)} on ${sql.table(table)} (ord)`.execute(
    db,
  );
}

export async function dropReadModelTable(db: Kysely<Database> | Transaction<Database>, table: string) {
  await sql`drop table if exists ${sql.table(table)}`.execute(db);
}

export async function loadRows(db: Kysely<Database>, table: string): Promise<RowSet> {
  const result = await sql<{ key: string; ord: number; body: string }>`
    select key, ord, body::text as body from ${sql.table(table)}`.execute(db);
  return new Map(result.rows.map((row) => [row.key, { ord: row.ord, json: row.body }]));
}

/** Turns a view's rows into the stored form. */
export function toRowSet(rows: readonly ReadModelRow[]): RowSet {
  return new Map(rows.map((row, ord) => [row.key, { ord, json: JSON.stringify(row.body) }]));
}

export interface RowDiff {
  readonly upserts: [string, StoredRow][];
  readonly deletes: string[];
}

export function diffRows(before: RowSet, after: RowSet): RowDiff {
  const upserts: [string, StoredRow][] = [];
  for (const [key, row] of after) {
    const old = before.get(key);
    if (!old || old.ord !== row.ord || old.json !== row.json) upserts.push([key, row]);
  }
  const deletes = [...before.keys()].filter((key) => !after.has(key));
  return { upserts, deletes };
}

/** Applies a diff inside the caller's transaction, in chunks that keep statements small. */
export async function writeDiff(trx: Transaction<Database>, table: string, diff: RowDiff): Promise<void> {
  for (let i = 0; i < diff.deletes.length; i += 1000) {
    const keys = diff.deletes.slice(i, i + 1000);
    await sql`delete from ${sql.table(table)} where key = any(${keys}::text[])`.execute(trx);
  }
  for (let i = 0; i < diff.upserts.length; i += 1000) {
    const chunk = diff.upserts.slice(i, i + 1000);
    await sql`
      insert into ${sql.table(table)} (key, ord, body)
      select * from unnest(${chunk.map(([key]) => key)}::text[], ${chunk.map(([, r]) => r.ord)}::integer[], ${chunk.map(([, r]) => r.json)}::json[])
      on conflict (key) do update set ord = excluded.ord, body = excluded.body`.execute(trx);
  }
}

/** Keeps rows whose body has `value` in any of `fields` (top-level string fields). */
export interface RowFilter {
  readonly fields: readonly string[];
  readonly value: string;
}

export interface ReadRowsOptions {
  readonly afterOrd: number;
  readonly limit: number;
  readonly key?: string;
  readonly filters?: readonly RowFilter[];
}

/** Reads a page of rows in view order, starting after `afterOrd`. */
export async function readRows(
  db: Kysely<Database>,
  table: string,
  options: ReadRowsOptions,
): Promise<{ ord: number; body: unknown }[]> {
  const conditions = [sql`ord > ${options.afterOrd}`];
  if (options.key !== undefined) conditions.push(sql`key = ${options.key}`);
  for (const filter of options.filters ?? []) {
    conditions.push(
      sql`(${sql.join(
        filter.fields.map((field) => sql`body->>${field} = ${filter.value}`),
        sql` or `,
      )})`,
    );
  }
  const result = await sql<{ ord: number; body: unknown }>`
    select ord, body from ${sql.table(table)}
     where ${sql.join(conditions, sql` and `)}
     order by ord limit ${options.limit}`.execute(db);
  return result.rows;
}

/** The same filter over rows held in memory. */
export function matchesFilters(body: unknown, filters: readonly RowFilter[] = []): boolean {
  const record = body as Record<string, unknown>;
  return filters.every((filter) => filter.fields.some((field) => record[field] === filter.value));
}
