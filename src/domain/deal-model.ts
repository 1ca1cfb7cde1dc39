/**
 * The deal model shared by every projection: a deal's opening event and lifecycle events as corrected, and
 * the functions of the valid date D built on them (status at D, fields at D, the start of the qualifying run,
 * ended at D).
 *
 * Corrections and retractions are applied when folded (they count whenever known); everything dated is kept
 * with its delivery sequence number so that any D can be asked later.
 */
import { companyIdsInFields, NON_AMENDABLE_FIELDS } from "../events/index.js";
import { effectiveDay } from "./dates.js";
import type { DealStatus, OpeningType } from "./event-types.js";

/** One dated fact of a deal (an opening or lifecycle event), with its data as corrected so far. */
export interface DealFact {
  readonly eventId: string;
  /** Delivery order of the event in the fold (log order), used for every tie-break. */
  readonly seq: number;
  /** UTC day of `recordedAt`: the effective day of an undated fact. */
  readonly recordedDay: number;
  /** The event data with every known correction shallow-merged in, in log order. */
  data: Readonly<Record<string, unknown>>;
}

export interface DealRecord {
  readonly dealId: string;
  readonly type: OpeningType;
  readonly opening: DealFact;
  readonly statusChanges: DealFact[];
  readonly amendments: DealFact[];
  readonly ends: DealFact[];
  retracted: boolean;
  /** Company ids named by the (corrected) opening event. */
  parties: readonly string[];
  /** Cache of the D-independent compiled form; reset whenever the deal changes. */
  compiled: CompiledDeal | undefined;
}

export interface StatusPoint {
  readonly day: number;
  readonly seq: number;
  readonly status: DealStatus;
}

export interface AmendmentPoint {
  readonly day: number;
  readonly seq: number;
  readonly changes: Readonly<Record<string, unknown>>;
}

/** The D-independent, sorted form of a deal. */
export interface CompiledDeal {
  readonly openingDay: number;
  /** Status-setting events (opening + DealStatusChanged) sorted by (effective day, log order). */
  readonly statuses: readonly StatusPoint[];
  /** Amendments sorted by (effective day, log order). */
  readonly amendments: readonly AmendmentPoint[];
  /** Earliest effective day of a DealEnded; +Infinity when never ended. */
  readonly endDay: number;
}

/** Fields an amendment may not change: the catalog's party and stake fields, and the common fields. */
const NOT_AMENDABLE = new Set<string>([
  ...NON_AMENDABLE_FIELDS,
  "dealId",
  "status",
  "occurredOn",
  "sources",
  "summary",
  "confidence",
]);

export function factDay(fact: DealFact): number {
  const occurredOn = fact.data.occurredOn;
  return typeof occurredOn === "string" ? effectiveDay(occurredOn) : fact.recordedDay;
}

function byDayThenSeq(a: { day: number; seq: number }, b: { day: number; seq: number }): number {
  return a.day - b.day || a.seq - b.seq;
}

export function compileDeal(deal: DealRecord): CompiledDeal {
  if (deal.compiled !== undefined) return deal.compiled;
  const openingDay = factDay(deal.opening);
  const statuses: StatusPoint[] = [
    { day: openingDay, seq: deal.opening.seq, status: deal.opening.data.status as DealStatus },
  ];
  for (const f of deal.statusChanges) {
    statuses.push({ day: factDay(f), seq: f.seq, status: f.data.status as DealStatus });
  }
  statuses.sort(byDayThenSeq);
  const amendments: AmendmentPoint[] = deal.amendments.map((f) => ({
    day: factDay(f),
    seq: f.seq,
    changes: (f.data.changes ?? {}) as Record<string, unknown>,
  }));
  amendments.sort(byDayThenSeq);
  let endDay = Number.POSITIVE_INFINITY;
  for (const f of deal.ends) endDay = Math.min(endDay, factDay(f));
  const compiled: CompiledDeal = { openingDay, statuses, amendments, endDay };
  deal.compiled = compiled;
  return compiled;
}

/** Index of the status point in force at D (the latest with day ≤ D), or -1 when none is. */
export function statusIndexAt(c: CompiledDeal, day: number): number {
  const s = c.statuses;
  for (let i = s.length - 1; i >= 0; i--) {
    if ((s[i] as StatusPoint).day <= day) return i;
  }
  return -1;
}

/** The deal's status at D, or undefined when no status-setting event is effective yet. */
export function statusAt(c: CompiledDeal, day: number): DealStatus | undefined {
  const i = statusIndexAt(c, day);
  return i < 0 ? undefined : (c.statuses[i] as StatusPoint).status;
}

/**
 * When the status at D qualifies, the status point that began the unbroken run of qualifying statuses
 * holding at D (its day is when presence or a stake starts); otherwise undefined.
 */
export function runStartAt(
  c: CompiledDeal,
  day: number,
  qualifies: (status: DealStatus) => boolean,
): StatusPoint | undefined {
  let i = statusIndexAt(c, day);
  if (i < 0) return undefined;
  const s = c.statuses;
  if (!qualifies((s[i] as StatusPoint).status)) return undefined;
  while (i > 0 && qualifies((s[i - 1] as StatusPoint).status)) i--;
  return s[i];
}

export function isEndedAt(c: CompiledDeal, day: number): boolean {
  return c.endDay <= day;
}

/**
 * The opening fields as corrected, then every amendment effective by D in (date, log order), shallow-merged.
 * Returns the opening data itself (no copy) when no amendment applies.
 */
export function fieldsAt(deal: DealRecord, c: CompiledDeal, day: number): Readonly<Record<string, unknown>> {
  let fields: Record<string, unknown> | undefined;
  for (const a of c.amendments) {
    if (a.day > day) break;
    for (const key of Object.keys(a.changes)) {
      if (NOT_AMENDABLE.has(key)) continue;
      fields ??= { ...deal.opening.data };
      fields[key] = a.changes[key];
    }
  }
  return fields ?? deal.opening.data;
}

/**
 * One field at D: the latest amendment effective by D that changes it, else the opening's (corrected) value.
 * Allocation-free, for the hot loops of the views.
 */
export function fieldAt(deal: DealRecord, c: CompiledDeal, day: number, key: string): unknown {
  const amendments = c.amendments;
  if (amendments.length > 0 && !NOT_AMENDABLE.has(key)) {
    for (let i = amendments.length - 1; i >= 0; i--) {
      const a = amendments[i] as AmendmentPoint;
      if (a.day <= day && Object.hasOwn(a.changes, key)) return a.changes[key];
    }
  }
  return deal.opening.data[key];
}

export const isCompleted = (s: DealStatus): boolean => s === "completed";
export const isInForce = (s: DealStatus): boolean => s === "announced" || s === "completed";

/** Company ids an opening event names (its parties, investors, partners, hosts and the like). */
export function partiesOf(_type: OpeningType, data: Readonly<Record<string, unknown>>): string[] {
  return companyIdsInFields(data);
}
