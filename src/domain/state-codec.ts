/**
 * How a folded state is written into a snapshot and read back: JSON of plain arrays (Maps and Sets as
 * entry lists, records as tuples, so no key is repeated per deal), which the projector then gzips.
 *
 * Caches (`memo`, `lastRecorded`, each deal's `compiled`, each record's row cache) are left out: they are
 * pure functions of what is kept, and rebuilt on demand.
 */
import type { DealFact, DealRecord } from "./deal-model.js";
import type { DealExtras, DealRecordsState, SourceData } from "./deal-records-state.js";
import { applyDealRecordEvent } from "./deal-records-state.js";
import type { OpeningType, RecordedEvent, StackLayer } from "./event-types.js";
import { applyEvent, type CompanyRecord, type DomainState } from "./state.js";

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
  encode(state: S): unknown;
  /** Throws on anything that is not an encoding of this version (a snapshot that must not be trusted). */
  decode(value: unknown): S;
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
interface EncodedDomain {
  applied: number;
  lastPosition: number | null;
  companies: CompanyTuple[];
  deals: DealTuple[];
  /** Kept as folded (not rebuilt from the parties): a correction moves a deal within a company's set. */
  dealsByCompany: [string, string[]][];
}

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

export function encodeDomainState(state: DomainState): EncodedDomain {
  const companies: CompanyTuple[] = [];
  for (const c of state.companies.values()) {
    companies.push([c.companyId, c.name, c.layers.map((l) => [l.layer, l.sinceDay]), c.registeredSeq]);
  }
  const deals: DealTuple[] = [];
  for (const d of state.deals.values()) {
    deals.push([
      d.dealId,
      d.type,
      factTuple(d.opening),
      d.statusChanges.map(factTuple),
      d.amendments.map(factTuple),
      d.ends.map(factTuple),
      d.retracted ? 1 : 0,
      [...d.parties],
    ]);
  }
  const dealsByCompany: [string, string[]][] = [];
  for (const [id, set] of state.dealsByCompany) dealsByCompany.push([id, [...set]]);
  return { applied: state.applied, lastPosition: state.lastPosition, companies, deals, dealsByCompany };
}

export function decodeDomainState(value: unknown): DomainState {
  const encoded = value as EncodedDomain;
  if (typeof encoded !== "object" || encoded === null || typeof encoded.applied !== "number")
    throw new Error("malformed snapshot: not a domain state");
  const companies = new Map<string, CompanyRecord>();
  for (const [companyId, name, layers, registeredSeq] of array<CompanyTuple>(
    encoded.companies,
    "companies",
  )) {
    companies.set(companyId, {
      companyId,
      name,
      layers: array<[StackLayer, number]>(layers, "layers").map(([layer, sinceDay]) => ({ layer, sinceDay })),
      registeredSeq,
    });
  }
  const deals = new Map<string, DealRecord>();
  for (const t of array<DealTuple>(encoded.deals, "deals")) {
    const [dealId, type, opening, statusChanges, amendments, ends, retracted, parties] = t;
    deals.set(dealId, {
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
  }
  const dealsByCompany = new Map<string, Set<string>>();
  for (const [id, ids] of array<[string, string[]]>(encoded.dealsByCompany, "deals by company")) {
    dealsByCompany.set(id, new Set(array<string>(ids, "deal ids")));
  }
  return {
    applied: encoded.applied,
    lastPosition: encoded.lastPosition,
    companies,
    deals,
    dealsByCompany,
    memo: undefined,
    lastRecorded: undefined,
  };
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

/** The deal records' state: the domain state plus each deal's extras. */
export const DEAL_RECORDS_STATE_CODEC: StateCodec<DealRecordsState> = {
  kind: "deal-records",
  modelVersion: 1,
  apply: applyDealRecordEvent,
  encode: (state) => {
    const extras: ExtrasTuple[] = [];
    for (const [dealId, e] of state.extras) {
      extras.push([
        dealId,
        e.opening as Record<string, unknown>,
        [...e.sources].map(([id, list]) => [id, [...list]]),
        e.events,
        e.lastRecordedAt,
        [...e.correctedBy],
        e.version,
      ]);
    }
    return { domain: encodeDomainState(state.domain), extras, namesVersion: state.namesVersion };
  },
  decode: (value) => {
    const encoded = value as { domain: unknown; extras: unknown; namesVersion: unknown };
    if (typeof encoded !== "object" || encoded === null || typeof encoded.namesVersion !== "number")
      throw new Error("malformed snapshot: not a deal-records state");
    const extras = new Map<string, DealExtras>();
    for (const t of array<ExtrasTuple>(encoded.extras, "extras")) {
      const [dealId, opening, sources, events, lastRecordedAt, correctedBy, version] = t;
      extras.set(dealId, {
        opening,
        sources: new Map(array<[string, SourceData[]]>(sources, "sources")),
        events,
        lastRecordedAt,
        correctedBy: new Map(array<[string, string[]]>(correctedBy, "corrections")),
        version,
      });
    }
    return { domain: decodeDomainState(encoded.domain), extras, namesVersion: encoded.namesVersion };
  },
};
