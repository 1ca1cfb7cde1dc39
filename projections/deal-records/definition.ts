import { dealSortKey } from "../../src/domain/deal-list.js";
import { dealRecordAt } from "../../src/domain/deal-record.js";
import {
  applyDealRecordEvent,
  createDealRecordsState,
  type DealRecordsState,
} from "../../src/domain/deal-records-state.js";
import {
  DEAL_RECORDS_STATE_CODEC,
  isoToDay,
  type JournalMark,
  journalEnd,
  readJournal,
  touchJournal,
} from "../../src/domain/index.js";
import { EVENT_TYPES } from "../../src/events/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../../src/projector/definition.js";
import { describeDealChanges } from "./changes.js";
import { DEAL_COLUMNS, dealColumns } from "./columns.js";

/**
 * A deal's row at D. Computed each time it is asked for: a live step asks only for the deals its events
 * touched, and a whole view (a build, another date) for every deal once — keeping 200,000 rows' JSON and
 * columns in the state to save a rare recomputation cost ≈ 2 KB a deal.
 */
function dealRow(state: DealRecordsState, dealId: string, day: number): ReadModelRow | undefined {
  const deal = dealRecordAt(state, dealId, day);
  if (deal === undefined || deal.status === null) return undefined;
  // The row carries the record as JSON text only (the projector writes that); `body` stays null.
  const json = JSON.stringify(deal);
  return {
    key: dealId,
    sortKey: dealSortKey(deal, "-openedOn"),
    body: null,
    json,
    columns: dealColumns(deal),
    // What the deal news reads of a previous row; the runner keeps it and a digest, not the JSON.
    brief: { status: deal.status, parties: deal.parties },
  };
}

/** Where a reader of the domain's touch journal stopped, for one date (any date: a `markNow`). */
interface DealsMark {
  readonly read: JournalMark;
  readonly day: number | undefined;
}

/** Deals whose record may have changed: the touched ones, and those naming a registered or renamed company. */
function touchedDeals(state: DealRecordsState, keys: ReadonlySet<string>): Set<string> {
  const deals = new Set<string>();
  for (const key of keys) {
    const id = key.slice(1);
    if (key[0] === "d") deals.add(id);
    else for (const dealId of state.domain.dealsByCompany.get(id) ?? []) deals.add(dealId);
  }
  return deals;
}

const bySortKey = (a: ReadModelRow, b: ReadModelRow) =>
  a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;

function allRows(state: DealRecordsState, asOf: string): ReadModelRow[] {
  const day = isoToDay(asOf);
  const rows: ReadModelRow[] = [];
  for (const dealId of state.extras.keys()) {
    const row = dealRow(state, dealId, day);
    if (row !== undefined) rows.push(row);
  }
  return rows.sort(bySortKey);
}

/**
 * The record of every deal as the projector runs it: one read-model row per deal listed today (a status at
 * today's date), in the list's default order (`-openedOn`, then id), with the columns its filters and sorts
 * read. Its rows carry the record in `json` (their `body` is null): the API reads deals from the table, or
 * computes them from the fold itself, never from these rows. A whole view computes every deal's row; a live
 * step (`changesSince`) only those of the deals its events touched and those naming a company registered or
 * renamed since. The runner keeps a digest and the status and parties of each row, not its JSON (`brief`).
 */
export const dealRecords: ProjectionDefinition<DealRecordsState> = {
  name: "deal-records",
  version: 1,
  eventTypes: EVENT_TYPES,
  columns: DEAL_COLUMNS,
  init: createDealRecordsState,
  apply: applyDealRecordEvent,
  snapshot: DEAL_RECORDS_STATE_CODEC,
  rows: allRows,
  changesSince(state, asOf, since) {
    const day = isoToDay(asOf);
    const previous = since as DealsMark | undefined;
    const valid = previous !== undefined && (previous.day === undefined || previous.day === day);
    const read = readJournal(touchJournal(state.domain), valid ? previous.read : undefined);
    const mark: DealsMark = { read: read.mark, day };
    const keys = read.keys;
    if (keys === undefined) return { full: true, rows: allRows(state, asOf), deletes: [], mark };
    const rows: ReadModelRow[] = [];
    const deletes: string[] = [];
    for (const dealId of touchedDeals(state, keys)) {
      if (!state.extras.has(dealId)) continue;
      const row = dealRow(state, dealId, day);
      if (row !== undefined) rows.push(row);
      else deletes.push(dealId);
    }
    return { full: false, rows: rows.sort(bySortKey), deletes, mark };
  },
  markNow(state): DealsMark {
    const journal = touchJournal(state.domain);
    return { read: { journal, position: journalEnd(journal) }, day: undefined };
  },
  briefSql: "json_build_object('status', body->'status', 'parties', body->'parties')",
  describe: describeDealChanges,
};
