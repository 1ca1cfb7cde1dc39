/**
 * One page of the deal list at D from the folded state without building every record: the order and the
 * filters read the few fields they need from each compiled deal (status, opening day, the value, the layer,
 * the parties, the search text), and only the page's rows become records. Same rows, order and sort keys as
 * `listDeals(dealRecordsAt(state, D), filters, sort)` (the reference the tests hold it to).
 */
import { dayToIso } from "./dates.js";
import { type DealFilters, type DealSort, dealSearchText, dealSortKey } from "./deal-list.js";
import { type CompiledDeal, compileDeal, type DealRecord, fieldAt, statusIndexAt } from "./deal-model.js";
import { dealLayer, dealParties, dealRecordAt, dealSources, dealValueUsd, someParty } from "./deal-record.js";
import {
  type DealExtras,
  type DealRecordsState,
  isSourcesText,
  type SourceData,
} from "./deal-records-state.js";
import type { Deal } from "./deal-schema.js";
import { roundHalfEven3 } from "./rounding.js";

/** The record's `status` at D, from the compiled deal. */
function statusOf(deal: DealRecord, c: CompiledDeal, day: number): Deal["status"] {
  const i = statusIndexAt(c, day);
  if (i < 0) return null;
  return deal.retracted ? "retracted" : (c.statuses[i] as { status: Deal["status"] }).status;
}

/**
 * The record's `valueUsd` at D: the record's own function fed only the fields it reads. The domain's opening
 * data equals the record's (`extras.opening`) on every key but the dropped text ones, none of which it reads.
 */
export function dealValueAt(deal: DealRecord, c: CompiledDeal, day: number): number | null {
  const field = (key: string) => fieldAt(deal, c, day, key);
  const value = dealValueUsd(deal.type, {
    amount: field("amount"),
    price: field("price"),
    consideration: field("consideration"),
    termMonths: field("termMonths"),
    investors: field("investors"),
  });
  return value === null ? null : roundHalfEven3(value);
}

function layerAt(deal: DealRecord, c: CompiledDeal, day: number): Deal["layer"] {
  return dealLayer(deal.type, {
    layer: fieldAt(deal, c, day, "layer"),
    dependency: fieldAt(deal, c, day, "dependency"),
  });
}

function searchTextAt(
  state: DealRecordsState,
  deal: DealRecord,
  extras: DealExtras,
  c: CompiledDeal,
  day: number,
): string {
  const summary = extras.opening.summary;
  return dealSearchText({
    dealId: deal.dealId,
    ...(typeof summary === "string" ? { summary } : {}),
    parties: dealParties(deal.type, extras.opening, (id) => state.domain.companies.get(id)?.name ?? id),
    fields: {
      chip: fieldAt(deal, c, day, "chip"),
      model: fieldAt(deal, c, day, "model"),
      product: fieldAt(deal, c, day, "product"),
    },
    sources: dealSources(extras),
  });
}

const SEARCHED_FIELDS = ["chip", "model", "product"] as const;

/** Lower-cased company names of one state version: a few thousand companies, read by every deal's parties. */
const LOWER_NAMES = new WeakMap<DealRecordsState, { applied: number; names: Map<string, string> }>();

function lowerNames(state: DealRecordsState): Map<string, string> {
  let cache = LOWER_NAMES.get(state);
  if (cache === undefined || cache.applied !== state.domain.applied) {
    cache = { applied: state.domain.applied, names: new Map() };
    LOWER_NAMES.set(state, cache);
  }
  return cache.names;
}

/**
 * Whether the record's search text holds `q`, part by part with an early exit. The text joins its parts with
 * U+001F, which stops the only context-dependent lower-casing (final sigma) as a string end does: a `q`
 * without it is in the text exactly when it is in one lower-cased part. Source titles are the record's: the
 * first source of each URL (a repeated source without one repeats its title).
 */
function searchMatches(
  state: DealRecordsState,
  deal: DealRecord,
  extras: DealExtras,
  c: CompiledDeal,
  day: number,
  q: string,
): boolean {
  if (q.includes("\u001f")) return searchTextAt(state, deal, extras, c, day).includes(q);
  if (deal.dealId.toLowerCase().includes(q)) return true;
  const summary = extras.opening.summary;
  if (typeof summary === "string" && summary.toLowerCase().includes(q)) return true;
  const companies = state.domain.companies;
  const names = lowerNames(state);
  const partyMatches = (id: string) => {
    let name = names.get(id);
    if (name === undefined) {
      name = (companies.get(id)?.name ?? id).toLowerCase();
      names.set(id, name);
    }
    return name.includes(q);
  };
  if (someParty(deal.type, extras.opening, partyMatches)) return true;
  for (const key of SEARCHED_FIELDS) {
    const value = fieldAt(deal, c, day, key);
    if (typeof value === "string" && value.toLowerCase().includes(q)) return true;
  }
  return sourceTitleMatches(extras, q);
}

/**
 * Whether `q` has a character whose text in JSON is not itself (`"`, `\`, controls, lone surrogates:
 * JSON.stringify escapes them) or whose lower case depends on what follows (σ, ς: Σ's final form). A `q`
 * without any of them that is in a lower-cased title is also in its event's lower-cased sources text.
 */
function notInTextAsIs(q: string): boolean {
  for (let i = 0; i < q.length; i++) {
    const code = q.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || code === 0x3c2 || code === 0x3c3) return true;
    if (code >= 0xd800 && code <= 0xdfff) return true;
  }
  return false;
}

/** Whether a source title of the record holds `q` (the first source of each URL only). */
function sourceTitleMatches(extras: DealExtras, q: string): boolean {
  const sources = extras.sources;
  // Most deals hold `q` in none of their sources' texts, so in no title: then nothing need be parsed.
  if (!notInTextAsIs(q) && !sources.some((e) => isSourcesText(e) && e.toLowerCase().includes(q))) {
    return false;
  }
  let urls: string[] | undefined;
  for (const text of sources) {
    if (!isSourcesText(text)) continue;
    for (const source of JSON.parse(text) as SourceData[]) {
      const url = source.url;
      if (typeof url === "string") {
        if (urls?.includes(url)) continue;
        urls ??= [];
        urls.push(url);
      }
      const title = source.title;
      if (typeof title === "string" && title.toLowerCase().includes(q)) return true;
    }
  }
  return false;
}

/** `dealMatches` of the record at D, cheapest tests first, each field computed only when a filter asks. */
function matchesAt(
  state: DealRecordsState,
  deal: DealRecord,
  extras: DealExtras,
  day: number,
  filters: DealFilters,
): boolean {
  const c = compileDeal(deal);
  const status = statusOf(deal, c, day);
  if (status === null) return false;
  if (filters.status === undefined ? status === "retracted" : !filters.status.includes(status)) return false;
  if (filters.type !== undefined && !filters.type.includes(deal.type)) return false;
  if (filters.fromDay !== undefined && c.openingDay < filters.fromDay) return false;
  if (filters.toDay !== undefined && c.openingDay > filters.toDay) return false;
  const layers = filters.layer;
  if (layers !== undefined) {
    const layer = layerAt(deal, c, day);
    if (layer === null || !layers.includes(layer)) return false;
  }
  const company = filters.company;
  if (company !== undefined && !someParty(deal.type, extras.opening, (id) => company.includes(id))) {
    return false;
  }
  if (filters.minValueUsd !== undefined) {
    const value = dealValueAt(deal, c, day);
    if (value === null || value < filters.minValueUsd) return false;
  }
  if (filters.q !== undefined && !searchMatches(state, deal, extras, c, day, filters.q)) return false;
  return true;
}

/** The page token of a deal in the list at D (the record's `dealSortKey`). */
function sortKeyAt(deal: DealRecord, day: number, sort: DealSort): string {
  const c = compileDeal(deal);
  const valueUsd = sort === "valueUsd" || sort === "-valueUsd" ? dealValueAt(deal, c, day) : null;
  return dealSortKey({ dealId: deal.dealId, openedOn: dayToIso(c.openingDay), valueUsd }, sort);
}

/** Non-negative numbers ordered like their doubles' bits (`dealSortKey`'s hex): NaN after everything. */
function compareValues(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/**
 * Ids of every deal listed at D (status not null, retracted ones included) in the sort's order: numbers and
 * ids compared the way `dealSortKey`'s strings compare (fixed-width day numbers, the value's bits, ties by
 * id in code-unit order, deals without a value last), without making the strings.
 */
export function dealOrderAt(state: DealRecordsState, day: number, sort: DealSort): string[] {
  const ids: string[] = [];
  const numbers: number[] = [];
  const valued = sort === "valueUsd" || sort === "-valueUsd";
  for (const [dealId, deal] of state.domain.deals) {
    if (!state.extras.has(dealId)) continue;
    const c = compileDeal(deal);
    if (statusIndexAt(c, day) < 0) continue;
    ids.push(dealId);
    if (valued) {
      const value = dealValueAt(deal, c, day);
      // -1 stands for no value; Math.max as in the key (negative values count as 0).
      numbers.push(value === null ? -1 : Math.max(0, value));
    } else numbers.push(c.openingDay);
  }
  if (sort === "dealId") return ids.sort();
  if (sort === "openedOn" || sort === "-openedOn")
    return byDayThenId(ids, numbers, sort === "openedOn" ? 1 : -1);
  const byId = (a: number, b: number) => ((ids[a] as string) < (ids[b] as string) ? -1 : 1);
  const n = (i: number) => numbers[i] as number;
  const sign = sort === "valueUsd" ? 1 : -1;
  const order = ids.map((_, i) => i);
  order.sort((a, b) => {
    const va = n(a);
    const vb = n(b);
    if (va === -1 || vb === -1) return va === vb ? byId(a, b) : va === -1 ? 1 : -1;
    return sign * compareValues(va, vb) || byId(a, b);
  });
  return order.map((i) => ids[i] as string);
}

// Day numbers of years 0..9999 shifted to non-negative, times 2^28 positions: exact in a double.
const DAY_OFFSET = 4_000_000;
const POSITIONS = 2 ** 28;

/**
 * Ids by (day × sign, id): (shifted day, position) packed into one double and sorted natively, then each run
 * of one day sorted by id — a comparator over every pair costs twice as much at 200k deals.
 */
function byDayThenId(ids: readonly string[], days: readonly number[], sign: 1 | -1): string[] {
  const count = ids.length;
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const shifted = sign * (days[i] as number) + DAY_OFFSET;
    if (count >= POSITIONS || shifted < 0 || shifted >= 2 * DAY_OFFSET) {
      // Outside what packs exactly: compare the pairs.
      const order = ids.map((_, k) => k);
      order.sort(
        (a, b) =>
          sign * ((days[a] as number) - (days[b] as number)) ||
          ((ids[a] as string) < (ids[b] as string) ? -1 : 1),
      );
      return order.map((k) => ids[k] as string);
    }
    packed[i] = shifted * POSITIONS + i;
  }
  packed.sort();
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = ids[(packed[i] as number) % POSITIONS] as string;
  const day = (k: number) => Math.floor((packed[k] as number) / POSITIONS);
  let start = 0;
  for (let i = 1; i <= count; i++) {
    if (i < count && day(i) === day(start)) continue;
    if (i - start > 1) {
      const run = out.slice(start, i).sort();
      for (let k = start; k < i; k++) out[k] = run[k - start] as string;
    }
    start = i;
  }
  return out;
}

interface OrderCache {
  applied: number;
  readonly orders: Map<string, string[]>;
}

// Per state object (the head fold and each knowledge point's), for its current version only.
const ORDERS = new WeakMap<DealRecordsState, OrderCache>();
/** A few (date, sort) pairs per state: a dashboard pages through one list, sometimes flips between two. */
const ORDER_ENTRIES = 4;

/** `dealOrderAt`, kept per state version: the pages of one list (and the CSV's) sort once. */
export function dealOrder(state: DealRecordsState, day: number, sort: DealSort): readonly string[] {
  let cache = ORDERS.get(state);
  if (cache === undefined || cache.applied !== state.domain.applied) {
    cache = { applied: state.domain.applied, orders: new Map() };
    ORDERS.set(state, cache);
  }
  const key = `${day}:${sort}`;
  let order = cache.orders.get(key);
  if (order === undefined) {
    order = dealOrderAt(state, day, sort);
    if (cache.orders.size >= ORDER_ENTRIES) cache.orders.delete(cache.orders.keys().next().value as string);
    cache.orders.set(key, order);
  }
  return order;
}

/**
 * Up to `limit` rows of the list at D after the page token `after` (a sort key), each with its sort key:
 * the rows of `listDeals(dealRecordsAt(state, day), filters, sort)` whose key is greater than `after`.
 */
export function dealPage(
  state: DealRecordsState,
  day: number,
  filters: DealFilters,
  sort: DealSort,
  after: string | undefined,
  limit: number,
): { deal: Deal; sortKey: string }[] {
  const order = dealOrder(state, day, sort);
  const deals = state.domain.deals;
  const dealOf = (i: number) => deals.get(order[i] as string) as DealRecord;
  let start = 0;
  if (after !== undefined) {
    // The first deal whose key is past the token: keys grow along the order.
    let hi = order.length;
    while (start < hi) {
      const mid = (start + hi) >> 1;
      if (sortKeyAt(dealOf(mid), day, sort) <= after) start = mid + 1;
      else hi = mid;
    }
  }
  const rows: { deal: Deal; sortKey: string }[] = [];
  for (let i = start; i < order.length && rows.length < limit; i++) {
    const deal = dealOf(i);
    const extras = state.extras.get(deal.dealId) as DealExtras;
    if (!matchesAt(state, deal, extras, day, filters)) continue;
    const record = dealRecordAt(state, deal.dealId, day) as Deal;
    rows.push({ deal: record, sortKey: dealSortKey(record, sort) });
  }
  return rows;
}
