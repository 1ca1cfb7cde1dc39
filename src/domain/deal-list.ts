/**
 * Filters and orders of the deal list (api.md, "Deals"), as pure functions of a record, so that the list
 * folded in memory and the read model's columns agree by construction.
 */
import { daysFromCivil, effectiveDay, isoToDay } from "./dates.js";
import type { Deal } from "./deal-schema.js";

export const DEAL_SORTS = ["-openedOn", "openedOn", "-valueUsd", "valueUsd", "dealId"] as const;
export type DealSort = (typeof DEAL_SORTS)[number];

/**
 * The deal-records read model's column holding each sort's key (`-openedOn` is the table's own sort key);
 * the projection writes them, the API reads them.
 */
export const DEAL_SORT_COLUMNS = {
  "-openedOn": "sort_key",
  openedOn: "s_opened_asc",
  "-valueUsd": "s_value_desc",
  valueUsd: "s_value_asc",
  dealId: "s_deal",
} as const satisfies Record<DealSort, string>;

/** Parsed filters; each list is an OR, the filters combine with AND. */
export interface DealFilters {
  readonly company?: readonly string[];
  readonly type?: readonly string[];
  readonly status?: readonly string[];
  readonly layer?: readonly string[];
  /** Inclusive day numbers of `openedOn`. */
  readonly fromDay?: number;
  readonly toDay?: number;
  /** Lower-cased. */
  readonly q?: string;
  readonly minValueUsd?: number;
}

const PARTIAL_DATE = /^(\d{4})(?:-(H[12]|Q[1-4]|\d{2})(?:-(\d{2}))?)?$/;

/** The first day of a partial date's period (`2025-H2` → 2025-07-01); throws a RangeError otherwise. */
export function periodStartDay(partial: string): number {
  effectiveDay(partial); // validates
  const m = PARTIAL_DATE.exec(partial) as RegExpExecArray;
  const year = Number(m[1]);
  const period = m[2];
  if (m[3] !== undefined) return isoToDay(partial);
  if (period === undefined) return daysFromCivil(year, 1, 1);
  if (period === "H1") return daysFromCivil(year, 1, 1);
  if (period === "H2") return daysFromCivil(year, 7, 1);
  if (period.startsWith("Q")) return daysFromCivil(year, (Number(period.slice(1)) - 1) * 3 + 1, 1);
  return daysFromCivil(year, Number(period), 1);
}

/** What `q` searches: the deal id, summary, party names, chip/model/product names and source titles. */
export function dealSearchText(
  deal: Pick<Deal, "dealId" | "summary" | "parties" | "fields" | "sources">,
): string {
  const parts: string[] = [deal.dealId];
  if (deal.summary !== undefined) parts.push(deal.summary);
  for (const party of deal.parties) parts.push(party.name);
  for (const key of ["chip", "model", "product"]) {
    const value = deal.fields[key];
    if (typeof value === "string") parts.push(value);
  }
  for (const source of deal.sources) if (typeof source.title === "string") parts.push(source.title);
  // A separator no query can contain keeps a match inside one field.
  return parts.join("\u001f").toLowerCase();
}

/** Whether a listed deal (status not null) passes the filters; retracted deals only when asked for. */
export function dealMatches(deal: Deal, filters: DealFilters): boolean {
  if (deal.status === null) return false;
  if (filters.status === undefined ? deal.status === "retracted" : !filters.status.includes(deal.status)) {
    return false;
  }
  if (filters.type !== undefined && !filters.type.includes(deal.type)) return false;
  if (filters.layer !== undefined && (deal.layer === null || !filters.layer.includes(deal.layer)))
    return false;
  const company = filters.company;
  if (company !== undefined && !deal.parties.some((p) => company.includes(p.companyId))) return false;
  if (filters.fromDay !== undefined || filters.toDay !== undefined) {
    const opened = isoToDay(deal.openedOn);
    if (filters.fromDay !== undefined && opened < filters.fromDay) return false;
    if (filters.toDay !== undefined && opened > filters.toDay) return false;
  }
  if (filters.minValueUsd !== undefined && (deal.valueUsd === null || deal.valueUsd < filters.minValueUsd)) {
    return false;
  }
  if (filters.q !== undefined && !dealSearchText(deal).includes(filters.q)) return false;
  return true;
}

// Day numbers of years 1000..9999 lie in (-400000, 3000000): shifted, they fit 7 digits.
const DAY_SHIFT = 1_000_000;
const pad7 = (n: number) => String(n).padStart(7, "0");

/** Hex of a non-negative double's bits: ordered like the numbers. */
function doubleHex(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}
const complementHex = (hex: string) =>
  hex.replace(/[0-9a-f]/g, (d) => (15 - Number.parseInt(d, 16)).toString(16));

/**
 * A string whose code-unit order is the sort's order (ties by deal id, deals without a value last): the
 * page token and the read model's sort columns.
 */
export function dealSortKey(deal: Pick<Deal, "dealId" | "openedOn" | "valueUsd">, sort: DealSort): string {
  switch (sort) {
    case "dealId":
      return deal.dealId;
    case "openedOn":
      return `${pad7(isoToDay(deal.openedOn) + DAY_SHIFT)} ${deal.dealId}`;
    case "-openedOn":
      return `${pad7(9_999_999 - (isoToDay(deal.openedOn) + DAY_SHIFT))} ${deal.dealId}`;
    case "valueUsd":
    case "-valueUsd": {
      if (deal.valueUsd === null) return `1 ${deal.dealId}`;
      const hex = doubleHex(Math.max(0, deal.valueUsd));
      return `0${sort === "valueUsd" ? hex : complementHex(hex)} ${deal.dealId}`;
    }
  }
}

/** Listed deals that pass the filters, in the sort's order, each with its sort key. */
export function listDeals(
  deals: Iterable<Deal>,
  filters: DealFilters,
  sort: DealSort,
): { deal: Deal; sortKey: string }[] {
  const out: { deal: Deal; sortKey: string }[] = [];
  for (const deal of deals)
    if (dealMatches(deal, filters)) out.push({ deal, sortKey: dealSortKey(deal, sort) });
  out.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return out;
}
