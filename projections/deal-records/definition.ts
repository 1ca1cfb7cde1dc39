import { dealSortKey } from "../../src/domain/deal-list.js";
import { dealRecordAt } from "../../src/domain/deal-record.js";
import {
  applyDealRecordEvent,
  createDealRecordsState,
  type DealExtras,
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

/** A deal's row, kept while neither the deal, the names nor the date changed. */
interface CachedRow {
  readonly version: number;
  readonly names: number;
  readonly day: number;
  readonly row: ReadModelRow | undefined;
}

/** A deal's row at D, from its cache when neither the deal, the names nor the date changed. */
function dealRow(
  state: DealRecordsState,
  dealId: string,
  extras: DealExtras,
  day: number,
): ReadModelRow | undefined {
  let cached = extras.cache as CachedRow | undefined;
  if (
    cached === undefined ||
    cached.version !== extras.version ||
    cached.names !== state.namesVersion ||
    cached.day !== day
  ) {
    const deal = dealRecordAt(state, dealId, day);
    // The row keeps the record as JSON text only (the projector writes and compares that); holding
    // the record object as well would double the memory of 200k cached rows.
    const row =
      deal === undefined || deal.status === null
        ? undefined
        : {
            key: dealId,
            sortKey: dealSortKey(deal, "-openedOn"),
            body: null,
            json: JSON.stringify(deal),
            columns: dealColumns(deal),
          };
    cached = { version: extras.version, names: state.namesVersion, day, row };
    extras.cache = cached;
  }
  return cached.row;
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
  for (const [dealId, extras] of state.extras) {
    const row = dealRow(state, dealId, extras, day);
    if (row !== undefined) rows.push(row);
  }
  return rows.sort(bySortKey);
}

/**
 * The record of every deal as the projector runs it: one read-model row per deal listed today (a status at
 * today's date), in the list's default order (`-openedOn`, then id), with the columns its filters and sorts
 * read. Its rows carry the record in `json` (their `body` is null): the API reads deals from the table, or
 * computes them from the fold itself, never from these rows. A deal's row is recomputed only when it, its
 * parties' names or the date changed; a live step (`changesSince`) looks only at the deals its events
 * touched and those naming a company registered or renamed since.
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
      const extras = state.extras.get(dealId);
      const row = extras === undefined ? undefined : dealRow(state, dealId, extras, day);
      if (row !== undefined) rows.push(row);
      else if (extras !== undefined) deletes.push(dealId);
    }
    return { full: false, rows: rows.sort(bySortKey), deletes, mark };
  },
  markNow(state): DealsMark {
    const journal = touchJournal(state.domain);
    return { read: { journal, position: journalEnd(journal) }, day: undefined };
  },
  describe: describeDealChanges,
};
