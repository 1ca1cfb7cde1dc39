import { dealSearchText, dealSortKey } from "../../src/domain/deal-list.js";
import type { Deal } from "../../src/domain/deal-schema.js";
import { isoToDay } from "../../src/domain/index.js";
import type { ReadModelColumn } from "../../src/projector/definition.js";

/**
 * The read model's columns: what the list's filters and sorts read, indexed, so that the current list is
 * one indexed query. Each is a pure function of the row's body (the deal record), through the same
 * functions the list folded in memory uses.
 */
export const DEAL_COLUMNS: readonly ReadModelColumn[] = [
  { name: "status", type: "text", index: "btree" },
  { name: "type", type: "text", index: "btree" },
  { name: "layer", type: "text", index: "btree" },
  { name: "opened_day", type: "int4", index: "btree" },
  { name: "value_usd", type: "float8", index: "btree" },
  { name: "parties", type: "text[]", index: "gin" },
  { name: "search", type: "text", index: "trigram" },
  { name: "s_opened_asc", type: "text", index: "btree" },
  { name: "s_value_desc", type: "text", index: "btree" },
  { name: "s_value_asc", type: "text", index: "btree" },
  { name: "s_deal", type: "text", index: "btree" },
];

export function dealColumns(deal: Deal): Record<string, unknown> {
  return {
    status: deal.status,
    type: deal.type,
    layer: deal.layer,
    opened_day: isoToDay(deal.openedOn),
    value_usd: deal.valueUsd,
    parties: [...new Set(deal.parties.map((party) => party.companyId))],
    search: dealSearchText(deal),
    s_opened_asc: dealSortKey(deal, "openedOn"),
    s_value_desc: dealSortKey(deal, "-valueUsd"),
    s_value_asc: dealSortKey(deal, "valueUsd"),
    s_deal: dealSortKey(deal, "dealId"),
  };
}
