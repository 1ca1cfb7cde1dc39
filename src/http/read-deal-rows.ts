import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import { DEAL_SORT_COLUMNS, type DealFilters, type DealSort } from "../domain/deal-list.js";

export interface DealRow {
  /** The row's sort key in the requested sort (the page token). */
  readonly sortKey: string;
  /** The deal record as stored JSON text. */
  readonly json: string;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of the deal-records read model: the filters and the sort as one indexed query on the table's
 * columns, keyset-paginated on the sort's column (sort keys are unique: they end with the deal id).
 */
export async function readDealRows(
  db: Kysely<Database>,
  table: string,
  options: { filters: DealFilters; sort: DealSort; after?: string; limit: number },
): Promise<DealRow[]> {
  const { filters } = options;
  const column = sql.ref(DEAL_SORT_COLUMNS[options.sort]);
  const where = [
    filters.status === undefined
      ? sql`status <> 'retracted'`
      : sql`status = any(${[...filters.status]}::text[])`,
  ];
  if (filters.type) where.push(sql`type = any(${[...filters.type]}::text[])`);
  if (filters.layer) where.push(sql`layer = any(${[...filters.layer]}::text[])`);
  if (filters.company) where.push(sql`parties && ${[...filters.company]}::text[]`);
  if (filters.fromDay !== undefined) where.push(sql`opened_day >= ${filters.fromDay}`);
  if (filters.toDay !== undefined) where.push(sql`opened_day <= ${filters.toDay}`);
  if (filters.minValueUsd !== undefined) where.push(sql`value_usd >= ${filters.minValueUsd}`);
  if (filters.q !== undefined) where.push(sql`search like ${likePattern(filters.q)}`);
  if (options.after !== undefined) where.push(sql`${column} > ${options.after}`);
  // The page's keys are chosen on the narrow columns first; only its own rows' bodies are read (a sort of
  // every matching row would otherwise carry, and detoast, each body).
  const result = await sql<{ sort_key: string; body: string }>`
    with page as (
      select key, ${column} as sort_key from ${sql.table(table)}
       where ${sql.join(where, sql` and `)}
       order by ${column} limit ${options.limit})
    select page.sort_key, t.body::text as body
      from page join ${sql.table(table)} t on t.key = page.key
     order by page.sort_key`.execute(db);
  return result.rows.map((row) => ({ sortKey: row.sort_key, json: row.body }));
}
