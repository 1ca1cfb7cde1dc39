/**
 * How a folded state is written into a snapshot and read back: a sequence of records (a header, then one
 * tuple per company, deal, company index entry and deal extras: no key is repeated per deal), which the
 * projector writes as gzipped JSON lines. Records, not one document: the projector can pause between them
 * (the event loop stays free while a large state is encoded) and never holds the state as one string.
 *
 * Caches (`memo`, `lastRecorded`, each deal's `compiled`, each record's row cache) are left out: they are
 * pure functions of what is kept, and rebuilt on demand.
 */
import type { DealFact } from "./deal-model.js";
import type { DealExtras, DealRecordsState, SourceData } from "./deal-records-state.js";
import { applyDealRecordEvent } from "./deal-records-state.js";
import type { OpeningType, RecordedEvent, StackLayer } from "./event-types.js";
import { applyEvent, createDomainState, type DomainState } from "./state.js";

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
  /** Throws on anything that is not an encoding of this version (a snapshot that must not be trusted). */
  decode(records: Iterable<unknown>): S;
  /**
   * The states of other codecs this one's state holds, kept exactly as their own fold would (one fold of this
   * kind serves their projections too: the projector folds once per process, not once per kind).
   */
  readonly contains?: readonly ContainedState<S>[];
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

export function* encodeDomainState(state: DomainState): Generator<DomainRecord> {
  yield ["h", state.applied, state.lastPosition];
  for (const c of state.companies.values()) {
    yield [
      "c",
      c.companyId,
      c.name,
      c.layers.map((l): [StackLayer, number] => [l.layer, l.sinceDay]),
      c.registeredSeq,
    ];
  }
  for (const d of state.deals.values()) {
    yield [
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
  }
  // Kept as folded (not rebuilt from the parties): a correction moves a deal within a company's set.
  for (const [id, set] of state.dealsByCompany) yield ["b", id, [...set]];
}

/** Reads the domain records; other records (another state's, sharing the stream) go to `other`. */
export function decodeDomainState(
  records: Iterable<unknown>,
  other?: (record: unknown[]) => void,
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
        other(record);
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
  decode: decodeDomainState,
};

type ExtrasTuple = [
  dealId: string,
  opening: Record<string, unknown>,
  sources: [string, SourceData[]][],
  events: number,
  lastRecordedAt: string,
  correctedBy: [string, string[]][],
  version: number,
];

/** The deal records' state: the domain state's records, then ["n", namesVersion] and ["x", extras…]. */
export const DEAL_RECORDS_STATE_CODEC: StateCodec<DealRecordsState> = {
  kind: "deal-records",
  modelVersion: 1,
  apply: applyDealRecordEvent,
  // applyDealRecordEvent applies every event to `domain` with applyEvent first.
  contains: [{ codec: DOMAIN_STATE_CODEC as StateCodec<never>, select: (state) => state.domain }],
  *encode(state) {
    yield* encodeDomainState(state.domain);
    yield ["n", state.namesVersion];
    for (const [dealId, e] of state.extras) {
      yield [
        "x",
        dealId,
        e.opening,
        [...e.sources].map(([id, list]) => [id, [...list]]),
        e.events,
        e.lastRecordedAt,
        // Copied: a later correction of the same event pushes onto the list (encode's records are fresh).
        [...e.correctedBy].map(([id, list]) => [id, [...list]]),
        e.version,
      ];
    }
  },
  decode(records) {
    const extras = new Map<string, DealExtras>();
    let namesVersion: number | undefined;
    const domain = decodeDomainState(records, (record) => {
      if (record[0] === "n" && typeof record[1] === "number") {
        namesVersion = record[1];
        return;
      }
      if (record[0] !== "x") throw new Error(`malformed snapshot: unknown record ${String(record[0])}`);
      const [, dealId, opening, sources, events, lastRecordedAt, correctedBy, version] = record as [
        "x",
        ...ExtrasTuple,
      ];
      extras.set(dealId, {
        opening,
        sources: new Map(array<[string, SourceData[]]>(sources, "sources")),
        events,
        lastRecordedAt,
        correctedBy: new Map(array<[string, string[]]>(correctedBy, "corrections")),
        version,
      });
    });
    if (namesVersion === undefined) throw new Error("malformed snapshot: not a deal-records state");
    return { domain, extras, namesVersion };
  },
};
