import { dealSortKey } from "../../src/domain/deal-list.js";
import { dealRecordAt } from "../../src/domain/deal-record.js";
import {
  applyDealRecordEvent,
  createDealRecordsState,
  type DealRecordsState,
} from "../../src/domain/deal-records-state.js";
import { DEAL_RECORDS_STATE_CODEC, isoToDay } from "../../src/domain/index.js";
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

/**
 * The record of every deal as the projector runs it: one read-model row per deal listed today (a status at
 * today's date), in the list's default order (`-openedOn`, then id), with the columns its filters and sorts
 * read. Its rows carry the record in `json` (their `body` is null): the API reads deals from the table, or
 * computes them from the fold itself, never from these rows. The projector recomputes the rows at every step and at each UTC midnight; a deal's row is
 * recomputed only when it, its parties' names or the date changed.
 */
export const dealRecords: ProjectionDefinition<DealRecordsState> = {
  name: "deal-records",
  version: 1,
  eventTypes: EVENT_TYPES,
  columns: DEAL_COLUMNS,
  init: createDealRecordsState,
  apply: applyDealRecordEvent,
  snapshot: DEAL_RECORDS_STATE_CODEC,
  rows(state, asOf) {
    const day = isoToDay(asOf);
    const rows: ReadModelRow[] = [];
    for (const [dealId, extras] of state.extras) {
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
      if (cached.row !== undefined) rows.push(cached.row);
    }
    return rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  },
  describe: describeDealChanges,
};
