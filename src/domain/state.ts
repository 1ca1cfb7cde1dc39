/**
 * The shared domain state and the fold that builds it.
 *
 * The state does not depend on the valid date D: it keeps every dated fact with its delivery sequence, and the
 * views are pure functions of (state, D). Corrections and retractions are applied as they are folded (they
 * count whenever known), so a knowledge point K is just "fold the events up to K".
 *
 * The state is mutated in place for speed; `applyEvent` is deterministic in the events it is given.
 */
import { effectiveDay, utcDayOf } from "./dates.js";
import { type DealFact, type DealRecord, partiesOf } from "./deal-model.js";
import {
  type CompanyRegisteredData,
  type CompanyUpdatedData,
  type DealCorrectedData,
  OPENING_TYPES,
  type OpeningType,
  type RecordedEvent,
  type StackLayer,
} from "./event-types.js";
import { createKeyJournal, journalAppend, type KeyJournal } from "./key-journal.js";
import type { LiveWorld } from "./live/live-world.js";

export interface RegisteredLayer {
  readonly layer: StackLayer;
  /** Effective day of `since`, else the UTC day the registration was recorded. */
  readonly sinceDay: number;
}

export interface CompanyRecord {
  readonly companyId: string;
  name: string;
  readonly layers: readonly RegisteredLayer[];
  readonly registeredSeq: number;
}

export interface DomainState {
  /** Number of events folded; doubles as a version for caches keyed on the state. */
  applied: number;
  /** Position of the last event folded, null before any. */
  lastPosition: number | null;
  readonly companies: Map<string, CompanyRecord>;
  /** Deals in the order their opening event was folded. */
  readonly deals: Map<string, DealRecord>;
  /** Deal ids naming each company (as parties of the corrected opening event). */
  readonly dealsByCompany: Map<string, Set<string>>;
  /** A few derived results of the current version (`applied`), by key; see `memoize`. */
  memo: { applied: number; values: Map<string, unknown> } | undefined;
  /** Parse cache for `recordedAt` (a pure function of it). */
  lastRecorded: { at: string; day: number } | undefined;
  /**
   * What each event folded since incremental readers started touched (`d<dealId>`, `c<companyId>`);
   * undefined until one asks (see `touchJournal`). Never snapshotted.
   */
  journal: KeyJournal | undefined;
  /** The incrementally maintained view inputs for one date (see `liveWorld`); never snapshotted. */
  live: LiveWorld | undefined;
}

export function createDomainState(): DomainState {
  return {
    applied: 0,
    lastPosition: null,
    companies: new Map(),
    deals: new Map(),
    dealsByCompany: new Map(),
    memo: undefined,
    lastRecorded: undefined,
    journal: undefined,
    live: undefined,
  };
}

const OPENING_SET: ReadonlySet<string> = new Set(OPENING_TYPES);

/** Keys never kept in the state (they have no projection effect and dominate memory). */
const DROPPED_KEYS = new Set(["sources", "summary", "confidence", "description", "quote", "metadata"]);

function slim(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (!DROPPED_KEYS.has(key)) out[key] = data[key];
  }
  return out;
}

/** Events arrive in bursts with the same `recordedAt`: the state remembers the last one parsed. */
function recordedDayOf(state: DomainState, recordedAt: string): number {
  const last = state.lastRecorded;
  if (last !== undefined && last.at === recordedAt) return last.day;
  const day = utcDayOf(recordedAt);
  state.lastRecorded = { at: recordedAt, day };
  return day;
}

function indexParties(state: DomainState, deal: DealRecord, parties: readonly string[]): void {
  for (const id of deal.parties) state.dealsByCompany.get(id)?.delete(deal.dealId);
  deal.parties = parties;
  for (const id of parties) {
    let set = state.dealsByCompany.get(id);
    if (set === undefined) {
      set = new Set();
      state.dealsByCompany.set(id, set);
    }
    set.add(deal.dealId);
  }
}

function registerCompany(state: DomainState, data: CompanyRegisteredData, seq: number, day: number): void {
  if (state.companies.has(data.companyId)) return; // a second registration is rejected upstream (409)
  const layers: RegisteredLayer[] = (data.layers ?? []).map((l) => ({
    layer: l.layer,
    sinceDay: l.since === undefined ? day : effectiveDay(l.since),
  }));
  state.companies.set(data.companyId, {
    companyId: data.companyId,
    name: data.name,
    layers,
    registeredSeq: seq,
  });
}

function factOf(state: DomainState, event: RecordedEvent, seq: number): DealFact {
  return {
    eventId: event.eventId,
    seq,
    recordedDay: recordedDayOf(state, event.recordedAt),
    data: slim(event.data as Record<string, unknown>),
  };
}

function findFact(deal: DealRecord, eventId: string): DealFact | undefined {
  if (deal.opening.eventId === eventId) return deal.opening;
  for (const list of [deal.statusChanges, deal.amendments, deal.ends]) {
    for (const f of list) if (f.eventId === eventId) return f;
  }
  return undefined;
}

/**
 * Journal keys: a deal's events (whatever their type) touch the deal; a registration or a rename touches the
 * company (the views show names; other updates change nothing they show).
 */
function recordTouch(journal: KeyJournal, type: string, data: Record<string, unknown>): void {
  if (typeof data.dealId === "string") journalAppend(journal, `d${data.dealId}`);
  else if (
    typeof data.companyId === "string" &&
    (type === "CompanyRegistered" || (type === "CompanyUpdated" && data.name !== undefined))
  )
    journalAppend(journal, `c${data.companyId}`);
}

/**
 * Folds one event into the state (mutating it) and returns the state. Event types the domain does not use are
 * ignored, and so are lifecycle events of deals it does not track.
 */
export function applyEvent(state: DomainState, event: RecordedEvent): DomainState {
  const seq = state.applied;
  state.applied = seq + 1;
  state.lastPosition = event.position;
  const data = event.data as Record<string, unknown>;
  const type = event.type;
  if (state.journal !== undefined) recordTouch(state.journal, type, data);
  if (type === "CompanyRegistered") {
    registerCompany(
      state,
      data as unknown as CompanyRegisteredData,
      seq,
      recordedDayOf(state, event.recordedAt),
    );
    return state;
  }
  if (type === "CompanyUpdated") {
    const d = data as unknown as CompanyUpdatedData;
    const company = state.companies.get(d.companyId);
    if (company !== undefined && d.name !== undefined) company.name = d.name;
    return state;
  }
  if (OPENING_SET.has(type)) {
    const dealId = data.dealId as string;
    if (state.deals.has(dealId)) return state; // a second opening event is rejected upstream (409)
    const deal: DealRecord = {
      dealId,
      type: type as OpeningType,
      opening: {
        eventId: event.eventId,
        seq,
        recordedDay: recordedDayOf(state, event.recordedAt),
        data: slim(data),
      },
      statusChanges: [],
      amendments: [],
      ends: [],
      retracted: false,
      parties: [],
      compiled: undefined,
    };
    state.deals.set(dealId, deal);
    indexParties(state, deal, partiesOf(deal.type, deal.opening.data));
    return state;
  }
  const deal = state.deals.get(data.dealId as string);
  if (deal === undefined) return state;
  switch (type) {
    case "DealStatusChanged":
      deal.statusChanges.push(factOf(state, event, seq));
      break;
    case "DealAmended":
      deal.amendments.push(factOf(state, event, seq));
      break;
    case "DealEnded":
      deal.ends.push(factOf(state, event, seq));
      break;
    case "DealRetracted":
      deal.retracted = true;
      break;
    case "DealCorrected": {
      const d = data as unknown as DealCorrectedData;
      const target = findFact(deal, d.correctsEventId);
      if (target === undefined) return state;
      const merged: Record<string, unknown> = { ...target.data };
      for (const key of Object.keys(d.changes)) {
        if (key !== "dealId" && !DROPPED_KEYS.has(key)) merged[key] = d.changes[key];
      }
      target.data = merged;
      if (target === deal.opening) indexParties(state, deal, partiesOf(deal.type, merged));
      break;
    }
    default:
      return state;
  }
  deal.compiled = undefined;
  return state;
}

/** Folds a whole log (in delivery order) into a fresh state. */
export function foldLog(
  events: Iterable<RecordedEvent>,
  state: DomainState = createDomainState(),
): DomainState {
  for (const e of events) applyEvent(state, e);
  return state;
}

/**
 * The state's touch journal, started on first use: incremental readers answer their first call in full, so
 * the journal needs nothing from before it.
 */
export function touchJournal(state: DomainState): KeyJournal {
  state.journal ??= createKeyJournal();
  return state.journal;
}

/**
 * Memoizes one derived value per state version: views for the same D (layers, dependencies, rankings) share the
 * control and presence computation. Deterministic: the key includes the number of events folded.
 */
export function memoize<T>(state: DomainState, key: string, compute: () => T): T {
  let m = state.memo;
  if (m === undefined || m.applied !== state.applied) {
    m = { applied: state.applied, values: new Map() };
    state.memo = m;
  }
  if (m.values.has(key)) return m.values.get(key) as T;
  const value = compute();
  // A few entries: a date's world and its edges, and the dates a dashboard flips between.
  if (m.values.size >= MEMO_ENTRIES) m.values.delete(m.values.keys().next().value as string);
  m.values.set(key, value);
  return value;
}

const MEMO_ENTRIES = 4;
