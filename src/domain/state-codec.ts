/**
 * How a folded state is written into a snapshot and read back: a sequence of records (a header, then one
 * tuple per company, deal, company index entry and deal extras: no key is repeated per deal), which the
 * projector writes as gzipped JSON lines. Records, not one document: the projector can pause between them
 * (the event loop stays free while a large state is encoded) and never holds the state as one string.
 *
 * Caches (`memo`, `lastRecorded`, each deal's `compiled`) are left out: they are pure functions of what is
 * kept, and rebuilt on demand.
 */
import type { DealFact, DealRecord } from "./deal-model.js";
import type { DealExtras, DealRecordsState } from "./deal-records-state.js";
import { applyDealRecordEvent, isSourcesText } from "./deal-records-state.js";
import type { OpeningType, RecordedEvent, StackLayer } from "./event-types.js";
import { applyEvent, type CompanyRecord, createDomainState, type DomainState } from "./state.js";

/** A state's snapshot form and its reader; `kind` names states that are the same fold (shared snapshots). */
export interface StateCodec<S> {
  readonly kind: string;
  /**
   * Bump whenever the fold (`applyEvent`, what the state keeps) or this encoding changes: snapshots of
   * another version are ignored, so a changed fold never resumes from a state the old fold made.
   */
  readonly modelVersion: number;
  /** The fold that makes the states: a projection whose `apply` is another one must not use these. */
  apply(state: S, event: RecordedEvent): S;
  /**
   * The state's records, produced lazily: the state must not change until the iteration ends. Each record is
   * a fresh value that later folds leave as it is (it may share values the fold replaces but never edits).
   */
  encode(state: S): Iterable<unknown>;
  /**
   * Optional: the same records without holding the fold (copy-on-write per deal). What is small is taken at
   * once; each deal's records are produced later, or taken first when the fold is about to change that deal
   * (`touch`). Without it, the records are taken in one synchronous pass and the fold waits for it.
   */
  beginSnapshot?(state: S): OpenSnapshot;
  /** Throws on anything that is not an encoding of this version (a snapshot that must not be trusted). */
  decode(records: Iterable<unknown>): S;
  /**
   * The states of other codecs this one's state holds, kept exactly as their own fold would (one fold of this
   * kind serves their projections too: the projector folds once per process, not once per kind).
   */
  readonly contains?: readonly ContainedState<S>[];
}

/**
 * A snapshot of a state the fold goes on changing: its records are those of the state at `beginSnapshot`,
 * however far the fold has gone when each is produced, provided the fold calls `touch` before each event it
 * folds into that state until they are all produced (`produced`).
 */
export interface OpenSnapshot {
  /** Before `event` is folded into the state: takes what it may change and the records do not have yet. */
  touch(event: RecordedEvent): void;
  /** The records, produced lazily (once). */
  readonly records: Iterable<unknown>;
  /** Every record produced (or the iteration abandoned): `touch` is no longer needed. */
  readonly produced: boolean;
}

/** A state of another codec held inside this one's. */
export interface ContainedState<S> {
  readonly codec: StateCodec<never>;
  select(state: S): unknown;
}

type FactTuple = [eventId: string, seq: number, recordedDay: number, data: Record<string, unknown>];
type CompanyTuple = [companyId: string, name: string, layers: [StackLayer, number][], registeredSeq: number];
type DealTuple = [
  dealId: string,
  type: OpeningType,
  opening: FactTuple,
  statusChanges: FactTuple[],
  amendments: FactTuple[],
  ends: FactTuple[],
  retracted: 0 | 1,
  parties: string[],
];
/** Records: ["h", applied, lastPosition], ["c", company], ["d", deal], ["b", companyId, dealIds], … */
type DomainRecord =
  | ["h", number, number | null]
  | ["c", ...CompanyTuple]
  | ["d", ...DealTuple]
  | ["b", string, string[]];

const factTuple = (f: DealFact): FactTuple => [
  f.eventId,
  f.seq,
  f.recordedDay,
  f.data as Record<string, unknown>,
];
const fact = (t: FactTuple): DealFact => {
  const [eventId, seq, recordedDay, data] = t;
  if (typeof eventId !== "string" || typeof seq !== "number" || typeof data !== "object" || data === null)
    throw new Error("malformed deal fact");
  return { eventId, seq, recordedDay, data };
};

function array<T>(value: unknown, what: string): T[] {
  if (!Array.isArray(value)) throw new Error(`malformed snapshot: ${what} is not a list`);
  return value as T[];
}

const companyRecord = (c: CompanyRecord): DomainRecord => [
  "c",
  c.companyId,
  c.name,
  c.layers.map((l): [StackLayer, number] => [l.layer, l.sinceDay]),
  c.registeredSeq,
];

const dealRecord = (d: DealRecord): DomainRecord => [
  "d",
  d.dealId,
  d.type,
  factTuple(d.opening),
  d.statusChanges.map(factTuple),
  d.amendments.map(factTuple),
  d.ends.map(factTuple),
  d.retracted ? 1 : 0,
  [...d.parties],
];

export function* encodeDomainState(state: DomainState): Generator<DomainRecord> {
  yield ["h", state.applied, state.lastPosition];
  for (const c of state.companies.values()) yield companyRecord(c);
  for (const d of state.deals.values()) yield dealRecord(d);
  // Kept as folded (not rebuilt from the parties): a correction moves a deal within a company's set.
  for (const [id, set] of state.dealsByCompany) yield ["b", id, [...set]];
}

/**
 * Reads the domain records; other records (another state's, sharing the stream) go to `other`, with the
 * state read so far.
 */
export function decodeDomainState(
  records: Iterable<unknown>,
  other?: (record: unknown[], state: DomainState) => void,
): DomainState {
  const state = createDomainState();
  let header = false;
  for (const value of records) {
    const record = array<unknown>(value, "record");
    switch (record[0]) {
      case "h": {
        const [, applied, lastPosition] = record as ["h", number, number | null];
        if (typeof applied !== "number") throw new Error("malformed snapshot: header");
        state.applied = applied;
        state.lastPosition = lastPosition;
        header = true;
        break;
      }
      case "c": {
        const [, companyId, name, layers, registeredSeq] = record as ["c", ...CompanyTuple];
        state.companies.set(companyId, {
          companyId,
          name,
          layers: array<[StackLayer, number]>(layers, "layers").map(([layer, sinceDay]) => ({
            layer,
            sinceDay,
          })),
          registeredSeq,
        });
        break;
      }
      case "d": {
        const [, dealId, type, opening, statusChanges, amendments, ends, retracted, parties] = record as [
          "d",
          ...DealTuple,
        ];
        state.deals.set(dealId, {
          dealId,
          type,
          opening: fact(opening),
          statusChanges: array<FactTuple>(statusChanges, "status changes").map(fact),
          amendments: array<FactTuple>(amendments, "amendments").map(fact),
          ends: array<FactTuple>(ends, "ends").map(fact),
          retracted: retracted === 1,
          parties: array<string>(parties, "parties"),
          compiled: undefined,
        });
        break;
      }
      case "b":
        state.dealsByCompany.set(record[1] as string, new Set(array<string>(record[2], "deal ids")));
        break;
      default:
        if (!other) throw new Error(`malformed snapshot: unknown record ${String(record[0])}`);
        other(record, state);
    }
  }
  if (!header) throw new Error("malformed snapshot: no header");
  return state;
}

/** The domain state the three views and the company index fold. */
export const DOMAIN_STATE_CODEC: StateCodec<DomainState> = {
  kind: "domain",
  modelVersion: 1,
  apply: applyEvent,
  encode: encodeDomainState,
  beginSnapshot: (state) => openSnapshot(state, undefined),
  decode: decodeDomainState,
};

/**
 * `encode`'s records, copy-on-write per deal (StateCodec.beginSnapshot). Only a deal's events change its
 * records (`applyEvent` and `applyDealRecordEvent` edit `deals` and `extras` only under the event's `dealId`;
 * a correction names an event of that same deal), so `touch` takes the records of the deal an event names.
 * Companies, the company index and the names version are edited by company events and by openings and
 * corrections of any deal: they are taken at once (a few ms at 200k deals; docs/benchmarks.md).
 *
 * Which deals are in: those opened before the snapshot began, i.e. whose opening `seq` is below the header's
 * `applied`. `deals` and `extras` are appended to in that order and never removed from, so the deals of the
 * snapshot are the first entries of both maps, in the order `encode` gives them, and whether a deal's records
 * were produced already is whether its `seq` is at or below the last one produced.
 */
function openSnapshot(
  domain: DomainState,
  records: { readonly extras: ReadonlyMap<string, DealExtras>; readonly namesVersion: number } | undefined,
): OpenSnapshot {
  const applied = domain.applied;
  const head: unknown[] = [["h", applied, domain.lastPosition]];
  for (const c of domain.companies.values()) head.push(companyRecord(c));
  const index: unknown[] = [];
  for (const [id, set] of domain.dealsByCompany) index.push(["b", id, [...set]]);
  const takenDeals = new Map<string, unknown>();
  const takenExtras = new Map<string, unknown>();
  // The opening seq of the last deal whose "d" (and "x") record was produced.
  let dealsDone = -1;
  let extrasDone = -1;
  let produced = false;

  function* produce(): Generator<unknown> {
    try {
      yield* head;
      for (const deal of domain.deals.values()) {
        if (deal.opening.seq >= applied) break; // opened since: this one and every later one
        const record = takenDeals.get(deal.dealId) ?? dealRecord(deal);
        takenDeals.delete(deal.dealId);
        // Before the yield: the fold runs while the consumer pauses there.
        dealsDone = deal.opening.seq;
        yield record;
      }
      yield* index;
      if (records === undefined) return;
      yield ["n", records.namesVersion];
      for (const [dealId, e] of records.extras) {
        const seq = domain.deals.get(dealId)?.opening.seq;
        if (seq === undefined) throw new Error(`snapshot: extras of ${dealId} without its deal`);
        if (seq >= applied) break;
        const record = takenExtras.get(dealId) ?? extrasRecord(dealId, e);
        takenExtras.delete(dealId);
        extrasDone = seq;
        yield record;
      }
    } finally {
      produced = true;
      takenDeals.clear();
      takenExtras.clear();
    }
  }

  return {
    records: produce(),
    get produced() {
      return produced;
    },
    touch(event) {
      if (produced) return;
      const dealId = (event.data as Record<string, unknown>).dealId;
      if (typeof dealId !== "string") return;
      const deal = domain.deals.get(dealId);
      // Not opened yet (an opening: not in the snapshot), or opened since it began.
      if (deal === undefined || deal.opening.seq >= applied) return;
      const seq = deal.opening.seq;
      if (seq > dealsDone && !takenDeals.has(dealId)) takenDeals.set(dealId, dealRecord(deal));
      if (records !== undefined && seq > extrasDone && !takenExtras.has(dealId)) {
        const e = records.extras.get(dealId);
        if (e !== undefined) takenExtras.set(dealId, extrasRecord(dealId, e));
      }
    },
  };
}

const extrasRecord = (dealId: string, e: DealExtras): ["x", ...ExtrasTuple] => [
  "x",
  dealId,
  e.opening,
  // Copied: a long list is appended to in place (encode's records are fresh). Its texts are strings.
  [...e.sources],
  e.events,
  e.lastRecordedAt,
  // Copied: a later correction of the same event pushes onto the list.
  e.correctedBy === undefined
    ? []
    : [...e.correctedBy].map(([id, list]): [string, string[]] => [id, [...list]]),
];

/**
 * The list with each id of one of the deal's facts replaced by the fact's own string, so that, as in the
 * fold, the heap holds one copy of it (the "d" records come first).
 */
function sharingIds(list: string[], deal: DealRecord | undefined): string[] {
  if (deal === undefined) return list;
  const facts = [deal.opening, ...deal.statusChanges, ...deal.amendments, ...deal.ends];
  // A hot deal's thousands of facts: found through a map, not by a scan for each id.
  const byId = facts.length > 16 ? new Map(facts.map((f) => [f.eventId, f.eventId])) : undefined;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i] as string;
    if (isSourcesText(entry)) continue;
    const id = byId === undefined ? facts.find((f) => f.eventId === entry)?.eventId : byId.get(entry);
    if (id !== undefined) list[i] = id;
  }
  return list;
}

type ExtrasTuple = [
  dealId: string,
  opening: Record<string, unknown>,
  /** DealExtras.sources: ids and sources texts, kept as strings (nothing parsed to write or to read them). */
  sources: string[],
  events: number,
  lastRecordedAt: string,
  correctedBy: [string, string[]][],
];

/** The deal records' state: the domain state's records, then ["n", namesVersion] and ["x", extras…]. */
export const DEAL_RECORDS_STATE_CODEC: StateCodec<DealRecordsState> = {
  kind: "deal-records",
  // 2: DealExtras.sources as ids and JSON texts, correctedBy only when there is one, no row cache or version.
  modelVersion: 2,
  apply: applyDealRecordEvent,
  // applyDealRecordEvent applies every event to `domain` with applyEvent first.
  contains: [{ codec: DOMAIN_STATE_CODEC as StateCodec<never>, select: (state) => state.domain }],
  *encode(state) {
    yield* encodeDomainState(state.domain);
    yield ["n", state.namesVersion];
    for (const [dealId, e] of state.extras) yield extrasRecord(dealId, e);
  },
  beginSnapshot: (state) =>
    openSnapshot(state.domain, { extras: state.extras, namesVersion: state.namesVersion }),
  decode(records) {
    const extras = new Map<string, DealExtras>();
    let namesVersion: number | undefined;
    const domain = decodeDomainState(records, (record, read) => {
      if (record[0] === "n" && typeof record[1] === "number") {
        namesVersion = record[1];
        return;
      }
      if (record[0] !== "x") throw new Error(`malformed snapshot: unknown record ${String(record[0])}`);
      const [, dealId, opening, sources, events, lastRecordedAt, correctedBy] = record as [
        "x",
        ...ExtrasTuple,
      ];
      const corrections = array<[string, string[]]>(correctedBy, "corrections");
      extras.set(dealId, {
        opening,
        sources: sharingIds(array<string>(sources, "sources"), read.deals.get(dealId)),
        events,
        lastRecordedAt,
        correctedBy: corrections.length === 0 ? undefined : new Map(corrections),
      });
    });
    if (namesVersion === undefined) throw new Error("malformed snapshot: not a deal-records state");
    return { domain, extras, namesVersion };
  },
};
