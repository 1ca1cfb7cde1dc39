/**
 * The state the deal records are read from: the shared domain state plus, per deal, what a record shows but
 * the views never need (the opening event's text fields, every source, how many events and when the latest
 * was recorded, which corrections rewrote which event). Kept beside the shared state, not in it, so that the
 * three views fold exactly as lean a state as before.
 */
import { OPENING_EVENT_TYPES } from "../events/index.js";
import type { RecordedEvent } from "./event-types.js";
import { applyEvent, createDomainState, type DomainState } from "./state.js";

export type SourceData = Readonly<Record<string, unknown>>;

export interface DealExtras {
  /** The opening event's data as corrected (every key, sources left out: they are in `sources`). */
  opening: Readonly<Record<string, unknown>>;
  /** Each event's sources as corrected, in log order (a Map keeps the first insertion's place). */
  readonly sources: Map<string, readonly SourceData[]>;
  /** Events of the deal folded (corrections and the retraction included). */
  events: number;
  lastRecordedAt: string;
  /** Corrections of each event, in log order. */
  readonly correctedBy: Map<string, string[]>;
  /** Bumped on every event of the deal: the key of cached records. */
  version: number;
  /** A reader's cache keyed on `version` (the projection keeps the deal's row here). */
  cache?: unknown;
}

export interface DealRecordsState {
  readonly domain: DomainState;
  readonly extras: Map<string, DealExtras>;
  /** Bumped on every company rename (a record shows its parties' names). */
  namesVersion: number;
}

export function createDealRecordsState(): DealRecordsState {
  return { domain: createDomainState(), extras: new Map(), namesVersion: 0 };
}

const OPENING_SET: ReadonlySet<string> = new Set(OPENING_EVENT_TYPES);

function withoutSources(data: Record<string, unknown>): Record<string, unknown> {
  const { sources: _sources, ...rest } = data;
  return rest;
}

function sourcesOf(data: Record<string, unknown>): readonly SourceData[] {
  return Array.isArray(data.sources) ? (data.sources as SourceData[]) : [];
}

/** Folds one event into the state (mutating it): the shared fold, then the deal's extras. */
export function applyDealRecordEvent(state: DealRecordsState, event: RecordedEvent): DealRecordsState {
  const data = event.data as Record<string, unknown>;
  const known = typeof data.dealId === "string" && state.domain.deals.has(data.dealId);
  applyEvent(state.domain, event);
  if (event.type === "CompanyUpdated") {
    if (data.name !== undefined) state.namesVersion += 1;
    return state;
  }
  const dealId = data.dealId;
  if (typeof dealId !== "string") return state;
  if (OPENING_SET.has(event.type)) {
    // A second opening event is rejected upstream; the shared fold ignores it, so do the extras.
    if (known) return state;
    state.extras.set(dealId, {
      opening: withoutSources(data),
      sources: new Map([[event.eventId, sourcesOf(data)]]),
      events: 1,
      lastRecordedAt: event.recordedAt,
      correctedBy: new Map(),
      version: 0,
    });
    return state;
  }
  const extras = state.extras.get(dealId);
  if (extras === undefined) return state;
  extras.events += 1;
  extras.version += 1;
  extras.lastRecordedAt = event.recordedAt;
  extras.sources.set(event.eventId, sourcesOf(data));
  if (event.type === "DealCorrected") {
    const target = data.correctsEventId as string;
    const changes = (data.changes ?? {}) as Record<string, unknown>;
    const list = extras.correctedBy.get(target);
    if (list === undefined) extras.correctedBy.set(target, [event.eventId]);
    else list.push(event.eventId);
    if (Array.isArray(changes.sources) && extras.sources.has(target)) {
      extras.sources.set(target, changes.sources as SourceData[]);
    }
    const deal = state.domain.deals.get(dealId);
    if (deal !== undefined && deal.opening.eventId === target) {
      const merged: Record<string, unknown> = { ...extras.opening };
      for (const key of Object.keys(changes)) {
        if (key !== "dealId" && key !== "sources") merged[key] = changes[key];
      }
      extras.opening = merged;
    }
  }
  return state;
}

/** Folds a whole log (in delivery order) into a fresh state. */
export function foldDealRecords(
  events: Iterable<RecordedEvent>,
  state: DealRecordsState = createDealRecordsState(),
): DealRecordsState {
  for (const e of events) applyDealRecordEvent(state, e);
  return state;
}
