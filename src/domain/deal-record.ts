/**
 * The record of one deal at valid date D, as known at the state's knowledge point: a pure function of the
 * folded state (api.md, "Deals"; domain.md, "Time").
 */
import {
  eventDataSchemas,
  OPENING_COMMON_FIELDS,
  PARTY_LIST_ROLES,
  SINGLE_ID_FIELDS,
} from "../events/index.js";
import { dayToIso } from "./dates.js";
import { type CompiledDeal, compileDeal, type DealRecord, fieldsAt, statusIndexAt } from "./deal-model.js";
import {
  type DealExtras,
  type DealRecordsState,
  isSourcesText,
  type SourceData,
} from "./deal-records-state.js";
import type { Deal, DealParty } from "./deal-schema.js";
import { moneyValueUsd } from "./dependencies.js";
import type { Money, OpeningType } from "./event-types.js";
import { roundHalfEven3 } from "./rounding.js";

const COMMON: ReadonlySet<string> = new Set([...OPENING_COMMON_FIELDS, "dealId"]);
const SINGLE: ReadonlySet<string> = new Set(SINGLE_ID_FIELDS);
const LIST_ROLES: Readonly<Record<string, string>> = PARTY_LIST_ROLES;

/** Each opening type's field names in the catalog's order (its zod shape). */
const FIELD_ORDER = new Map<string, readonly string[]>();
function fieldOrder(type: OpeningType): readonly string[] {
  let order = FIELD_ORDER.get(type);
  if (order === undefined) {
    order = Object.keys((eventDataSchemas[type] as unknown as { shape: object }).shape);
    FIELD_ORDER.set(type, order);
  }
  return order;
}

/**
 * Each party of the opening event in the record's order (below) until `test` says yes; whether it did. The
 * list filters read parties through it without building them.
 */
export function someParty(
  type: OpeningType,
  opening: Readonly<Record<string, unknown>>,
  test: (companyId: string, role: string) => boolean,
): boolean {
  for (const field of fieldOrder(type)) {
    const value = opening[field];
    if (value === undefined) continue;
    if (SINGLE.has(field) && typeof value === "string" && test(value, field)) return true;
    const role = LIST_ROLES[field];
    if (role !== undefined && Array.isArray(value)) {
      for (const entry of value) {
        const companyId = field === "investors" ? (entry as { companyId?: unknown })?.companyId : entry;
        if (typeof companyId === "string" && test(companyId, role)) return true;
      }
    }
  }
  return false;
}

/**
 * One entry per company in each top-level party field, in the catalog's field order; a list gives one per
 * element. Ids nested elsewhere (`dependency`, `baseModel`) are not parties.
 */
export function dealParties(
  type: OpeningType,
  opening: Readonly<Record<string, unknown>>,
  nameOf: (companyId: string) => string,
): DealParty[] {
  const parties: DealParty[] = [];
  someParty(type, opening, (companyId, role) => {
    parties.push({ companyId, name: nameOf(companyId), role });
    return false;
  });
  return parties;
}

/** The stack or dependency layer a deal is about, from its type and its fields at D. */
export function dealLayer(type: OpeningType, fields: Readonly<Record<string, unknown>>): Deal["layer"] {
  switch (type) {
    case "FundingRoundReported":
    case "AcquisitionReported":
    case "StakeChangeReported":
      return "capital";
    case "ComputeDealReported":
      return "compute";
    case "ChipLaunchReported":
      return "hardware";
    case "ModelReleaseReported":
      return "model";
    case "SupplyDealReported":
    case "ProductLaunchReported":
      return (fields.layer as Deal["layer"]) ?? null;
    case "LicenseDealReported":
      return (fields.layer as Deal["layer"] | undefined) ?? "model";
    case "PartnershipReported":
      return ((fields.dependency as { layer?: Deal["layer"] } | undefined)?.layer ?? null) as Deal["layer"];
    default:
      return null;
  }
}

const HEADLINE: Partial<Record<OpeningType, string>> = {
  FundingRoundReported: "amount",
  AcquisitionReported: "price",
  StakeChangeReported: "consideration",
  PartnershipReported: "amount",
  ComputeDealReported: "amount",
  SupplyDealReported: "amount",
  LicenseDealReported: "amount",
};

/**
 * The headline amount at D in USD, with the dependency graph's per-month and per-year rules and
 * `termMonths` as amended; a funding round without `amount` sums its investors' amounts when every one has
 * one. Unrounded.
 */
export function dealValueUsd(type: OpeningType, fields: Readonly<Record<string, unknown>>): number | null {
  const key = HEADLINE[type];
  if (key === undefined) return null;
  const term = typeof fields.termMonths === "number" ? fields.termMonths : undefined;
  const headline = moneyValueUsd(fields[key] as Money | undefined, term);
  if (headline !== null || type !== "FundingRoundReported") return headline;
  const investors = fields.investors as readonly { amount?: Money }[] | undefined;
  if (investors === undefined || investors.length === 0) return null;
  let sum = 0;
  for (const investor of investors) {
    const value = moneyValueUsd(investor.amount, term);
    if (value === null) return null;
    sum += value;
  }
  return sum;
}

const sourceKey = (s: SourceData) => (typeof s.url === "string" ? `u:${s.url}` : `j:${JSON.stringify(s)}`);

/** Whether two sources have the same `sourceKey`, without making the keys. */
const sameSource = (a: SourceData, b: SourceData) =>
  typeof b.url === "string"
    ? a.url === b.url
    : typeof a.url !== "string" && JSON.stringify(a) === JSON.stringify(b);

/** Past this many sources kept, a set of keys finds the repeated ones (below it, a scan is cheaper). */
const SCANNED = 8;

/** Every source of the deal's known events, first occurrence kept (by URL, else by content), in log order. */
export function dealSources(extras: DealExtras): SourceData[] {
  const out: SourceData[] = [];
  let seen: Set<string> | undefined;
  // Parsed here, per record: the state keeps each event's sources as text (DealExtras.sources).
  for (const text of extras.sources) {
    if (!isSourcesText(text)) continue;
    for (const source of JSON.parse(text) as SourceData[]) {
      if (seen === undefined) {
        if (out.some((kept) => sameSource(kept, source))) continue;
        out.push(source);
        if (out.length === SCANNED) seen = new Set(out.map(sourceKey));
      } else {
        const key = sourceKey(source);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(source);
      }
    }
  }
  return out;
}

/** The opening's type-specific fields at D: as corrected, then the amendments effective by D in date order. */
export function dealFieldsAt(
  deal: DealRecord,
  extras: DealExtras,
  c: CompiledDeal,
  day: number,
): Record<string, unknown> {
  const merged = fieldsAt({ ...deal, opening: { ...deal.opening, data: extras.opening } }, c, day);
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(merged)) if (!COMMON.has(key)) fields[key] = merged[key];
  return fields;
}

/** The deal's record at D (a day number), or undefined when the deal is not known at the state's K. */
export function dealRecordAt(state: DealRecordsState, dealId: string, day: number): Deal | undefined {
  const deal = state.domain.deals.get(dealId);
  const extras = state.extras.get(dealId);
  if (deal === undefined || extras === undefined) return undefined;
  const c = compileDeal(deal);
  const i = statusIndexAt(c, day);
  const point = i < 0 ? undefined : c.statuses[i];
  const fields = dealFieldsAt(deal, extras, c, day);
  const value = dealValueUsd(deal.type, fields);
  const nameOf = (id: string) => state.domain.companies.get(id)?.name ?? id;
  const summary = extras.opening.summary;
  const confidence = extras.opening.confidence;
  return {
    dealId,
    type: deal.type,
    status: point === undefined ? null : deal.retracted ? "retracted" : point.status,
    statusSince: point === undefined ? null : dayToIso(point.day),
    openedOn: dayToIso(c.openingDay),
    ...(c.endDay <= day ? { endedOn: dayToIso(c.endDay) } : {}),
    retracted: deal.retracted,
    layer: dealLayer(deal.type, fields),
    parties: dealParties(deal.type, extras.opening, nameOf),
    fields,
    valueUsd: value === null ? null : roundHalfEven3(value),
    ...(typeof summary === "string" ? { summary } : {}),
    ...(typeof confidence === "number" ? { confidence } : {}),
    sources: dealSources(extras),
    events: extras.events,
    lastRecordedAt: extras.lastRecordedAt,
  };
}

/** Every deal known at the state's K, as its record at D (in the order the deals were opened). */
export function* dealRecordsAt(state: DealRecordsState, day: number): Generator<Deal> {
  for (const dealId of state.domain.deals.keys()) {
    const record = dealRecordAt(state, dealId, day);
    if (record !== undefined) yield record;
  }
}
