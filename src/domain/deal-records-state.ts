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
  /**
   * Each known event's id in log order, followed by the JSON text of its sources as corrected when it has
   * any (`[id, text, id, id, text, …]`; see `isSourcesText`). Text, not objects: 200k deals' sources as
   * parsed objects are millions of small objects the old generation must mark; a record parses them.
   * Replaced while short, appended to in place once long (see `appendSources`).
   */
  sources: readonly string[];
  /** Events of the deal folded (corrections and the retraction included). */
  events: number;
  lastRecordedAt: string;
  /** Corrections of each event, in log order; undefined until the deal has one (most never do). */
  correctedBy: Map<string, string[]> | undefined;
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

/**
 * An event's sources as JSON text, or undefined when it has none. V8's JSON.stringify returns its text as a
 * tree of parts (a cons string: ~270 bytes for a typical 146-character text, ~175 flat); reading a character
 * flattens it, and the collector then drops the tree. The test is always true (a JSON array starts with
 * "[") but is what flattens the text.
 */
function sourcesText(sources: unknown): string | undefined {
  if (!Array.isArray(sources) || sources.length === 0) return undefined;
  const text = JSON.stringify(sources);
  return isSourcesText(text) ? text : undefined;
}

/**
 * Whether an entry of `DealExtras.sources` is a sources text (the one before it is its event's id): a text is
 * a JSON array, so it starts with "[", and an event id never does (the log's ids are UUIDs).
 */
export const isSourcesText = (entry: string): boolean => entry.charCodeAt(0) === 91;

/**
 * Copies while the list is short, with `concat` (an exact fit): an array grown by `push` (or spread and then
 * added to) keeps a third or more of its slots empty, 16 at least, which at 200k deals of a few events each
 * is most of the list. A long list (a hot deal) is appended to in place, as copying it each time would be
 * quadratic.
 */
const COPY_BELOW = 64;

function appendSources(extras: DealExtras, eventId: string, text: string | undefined): void {
  const list = extras.sources as string[];
  if (list.length >= COPY_BELOW) {
    if (text === undefined) list.push(eventId);
    else list.push(eventId, text);
  } else {
    extras.sources = text === undefined ? list.concat(eventId) : list.concat(eventId, text);
  }
}

/** Replaces the sources of a known event of the deal (a correction's `changes.sources`); a copy, as above. */
function replaceSources(extras: DealExtras, eventId: unknown, text: string | undefined): void {
  const list = extras.sources;
  // Only an id may be found: a text is a JSON array, and an id is not (isSourcesText).
  const at = typeof eventId === "string" && !isSourcesText(eventId) ? list.indexOf(eventId) : -1;
  if (at < 0) return;
  const next = list[at + 1];
  const rest = list.slice(at + 1 + (next !== undefined && isSourcesText(next) ? 1 : 0));
  extras.sources = list.slice(0, at + 1).concat(text === undefined ? [] : [text], rest);
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
    const text = sourcesText(data.sources);
    state.extras.set(dealId, {
      opening: withoutSources(data),
      sources: text === undefined ? [event.eventId] : [event.eventId, text],
      events: 1,
      lastRecordedAt: event.recordedAt,
      correctedBy: undefined,
    });
    return state;
  }
  const extras = state.extras.get(dealId);
  if (extras === undefined) return state;
  extras.events += 1;
  extras.lastRecordedAt = event.recordedAt;
  appendSources(extras, event.eventId, sourcesText(data.sources));
  if (event.type === "DealCorrected") {
    const target = data.correctsEventId as string;
    const changes = (data.changes ?? {}) as Record<string, unknown>;
    extras.correctedBy ??= new Map();
    const list = extras.correctedBy.get(target);
    if (list === undefined) extras.correctedBy.set(target, [event.eventId]);
    else list.push(event.eventId);
    if (Array.isArray(changes.sources)) {
      replaceSources(extras, data.correctsEventId, sourcesText(changes.sources));
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
