/**
 * The view inputs for one valid date D (control, presence, edge aggregates), kept up to date incrementally
 * for the projector's live steps: an update reads the state's touch journal and recomputes only what the
 * touched deals and companies can change. Each update appends the keys of the view rows it may have changed
 * to output journals, which the projections' `changesSince` read from their marks.
 *
 * It lives on the state (`state.live`, one date at a time: another date rebuilds it) and is never
 * snapshotted. The HTTP views keep using `worldAt`, which any date can ask.
 */
import {
  assembleControl,
  byStakeOrder,
  type ControlAt,
  type EntityOutcome,
  entityOutcome,
  type StakeEvent,
  stakeEventOf,
} from "../control.js";
import {
  accumulate,
  contributionKey,
  dealContributionsAt,
  type EdgeAcc,
  type EdgeAt,
  edgeOf,
  type WeightedContribution,
} from "../dependencies.js";
import { createKeyJournal, journalEnd, type KeyJournal } from "../key-journal.js";
import {
  type CompanyPresence,
  type DealPresence,
  type DirectSince,
  dealPresenceAt,
  grantLayer,
  presenceFrom,
} from "../presence.js";
import { type DomainState, touchJournal } from "../state.js";
import type { WorldAt } from "../world.js";
import { addToIndex, indexContributions } from "./live-index.js";
import { updateLiveWorld } from "./update-live-world.js";

export interface KeyedContribution extends WeightedContribution {
  readonly key: string;
}

export interface LiveWorld extends WorldAt {
  readonly day: number;
  control: ControlAt;
  readonly presence: Map<string, CompanyPresence>;
  /** The touch journal it follows, and how far it has read it. */
  readonly journal: KeyJournal;
  position: number;
  /** Per deal, what it gives at D (only deals that give something). */
  readonly contributions: Map<string, readonly KeyedContribution[]>;
  readonly grants: Map<string, DealPresence>;
  readonly stakes: Map<string, StakeEvent>;
  /** Indexes: entity → stake deals, company → granting deals, edge → contributing deals, company → edges. */
  readonly stakesByEntity: Map<string, Set<string>>;
  readonly grantsByCompany: Map<string, Set<string>>;
  readonly edgeDeals: Map<string, Set<string>>;
  readonly edgesByCompany: Map<string, Set<string>>;
  readonly outcomes: Map<string, EntityOutcome>;
  readonly direct: Map<string, DirectSince>;
  readonly planned: Map<string, boolean[]>;
  /** Edge aggregates by contribution key, internal ones included (hidden when read). */
  readonly aggregates: Map<string, EdgeAt>;
  /** Companies whose layer-ownership row may have changed, per update. */
  readonly companyKeys: KeyJournal;
  /** Contribution keys of edges that may have changed or become visible or hidden. */
  readonly edgeKeys: KeyJournal;
  /** Caches of the readers tied to this world's life (a projection's previous ranking, say). */
  readonly derived: Map<string, unknown>;
}

export function keyedContributionsAt(state: DomainState, dealId: string, day: number): KeyedContribution[] {
  const deal = state.deals.get(dealId);
  if (deal === undefined) return [];
  return dealContributionsAt(deal, day).map((k) => ({ ...k, key: contributionKey(k) }));
}

/** The registered layers and granting deals of one company, as its direct holdings and announced layers. */
export function directOf(
  state: DomainState,
  live: LiveWorld,
  company: string,
): { direct: DirectSince | undefined; planned: boolean[] | undefined } {
  const holdings = new Map<string, DirectSince>();
  let planned: boolean[] | undefined;
  for (const l of state.companies.get(company)?.layers ?? []) {
    if (l.sinceDay <= live.day) grantLayer(holdings, company, LAYERS.indexOf(l.layer), l.sinceDay);
  }
  for (const dealId of live.grantsByCompany.get(company) ?? []) {
    const g = live.grants.get(dealId) as DealPresence;
    if (g.since !== undefined) grantLayer(holdings, company, g.layer, g.since);
    else {
      planned ??= [false, false, false, false];
      planned[g.layer] = true;
    }
  }
  return { direct: holdings.get(company), planned };
}

const LAYERS = ["hardware", "compute", "model", "application"];

/** Recomputes one edge's aggregate from its deals, summed in the state's deal order (as `edgesAt` does). */
export function aggregateEdge(state: DomainState, live: LiveWorld, key: string): void {
  const dealIds = live.edgeDeals.get(key);
  if (dealIds === undefined) {
    live.aggregates.delete(key);
    return;
  }
  const seqOf = (id: string) => state.deals.get(id)?.opening.seq ?? 0;
  const ordered = [...dealIds].sort((a, b) => seqOf(a) - seqOf(b));
  const acc = new Map<string, EdgeAcc>();
  for (const dealId of ordered) {
    const mine = (live.contributions.get(dealId) ?? []).filter((k) => k.key === key);
    accumulate(acc, dealId, mine, live.control);
  }
  const e = acc.get(key);
  if (e === undefined) live.aggregates.delete(key);
  else live.aggregates.set(key, edgeOf(e));
}

function buildLiveWorld(state: DomainState, day: number, journal: KeyJournal): LiveWorld {
  const live: LiveWorld = {
    day,
    control: assembleControl(new Map()),
    presence: new Map(),
    journal,
    position: journalEnd(journal),
    contributions: new Map(),
    grants: new Map(),
    stakes: new Map(),
    stakesByEntity: new Map(),
    grantsByCompany: new Map(),
    edgeDeals: new Map(),
    edgesByCompany: new Map(),
    outcomes: new Map(),
    direct: new Map(),
    planned: new Map(),
    aggregates: new Map(),
    companyKeys: createKeyJournal(),
    edgeKeys: createKeyJournal(),
    derived: new Map(),
  };
  for (const deal of state.deals.values()) {
    const id = deal.dealId;
    const list = keyedContributionsAt(state, id, day);
    if (list.length > 0) {
      live.contributions.set(id, list);
      indexContributions(live, id, list);
    }
    const g = dealPresenceAt(deal, day);
    if (g !== undefined) {
      live.grants.set(id, g);
      addToIndex(live.grantsByCompany, g.company, id);
    }
    const s = stakeEventOf(deal, day);
    if (s !== undefined) {
      live.stakes.set(id, s);
      addToIndex(live.stakesByEntity, s.entity, id);
    }
  }
  for (const entity of live.stakesByEntity.keys())
    live.outcomes.set(entity, outcomeOf(live, entity) as EntityOutcome);
  live.control = assembleControl(live.outcomes);
  // In deal order, like `edgesAt`: the sums round the same way.
  const acc = new Map<string, EdgeAcc>();
  for (const [dealId, list] of live.contributions) accumulate(acc, dealId, list, live.control);
  for (const [key, e] of acc) live.aggregates.set(key, edgeOf(e));
  const companies = new Set([...state.companies.keys(), ...live.grantsByCompany.keys()]);
  for (const company of companies) {
    const { direct, planned } = directOf(state, live, company);
    if (direct !== undefined) live.direct.set(company, direct);
    if (planned !== undefined) live.planned.set(company, planned);
  }
  for (const [company, p] of presenceFrom(live.direct, live.planned, live.control))
    live.presence.set(company, p);
  return live;
}

/** An entity's outcome from its stake deals at D, or undefined when none is in force. */
export function outcomeOf(live: LiveWorld, entity: string): EntityOutcome | undefined {
  const ids = live.stakesByEntity.get(entity);
  if (ids === undefined) return undefined;
  const events = [...ids].map((id) => live.stakes.get(id) as StakeEvent).sort(byStakeOrder);
  return entityOutcome(entity, events);
}

/**
 * The live world of the state at D, brought up to date with every event folded since its last use; built
 * anew on first use, for another date, or when the journal no longer reaches back to its last use.
 */
export function liveWorld(state: DomainState, day: number): LiveWorld {
  const journal = touchJournal(state);
  const live = state.live;
  if (live !== undefined && live.day === day && live.journal === journal && updateLiveWorld(state, live))
    return live;
  const fresh = buildLiveWorld(state, day, journal);
  state.live = fresh;
  return fresh;
}
