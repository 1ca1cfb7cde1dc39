/**
 * One incremental update of a live world: re-derive what each touched deal gives at D, then recompute the
 * edges, control and presence those changes reach, and journal the view rows that may have changed.
 */
import {
  assembleControl,
  type ControlAt,
  type ControlLink,
  type EntityOutcome,
  type StakeEvent,
  stakeEventOf,
} from "../control.js";
import { journalAppend, journalEnd, journalSince } from "../key-journal.js";
import { type DealPresence, dealPresenceAt } from "../presence.js";
import type { DomainState } from "../state.js";
import { addToIndex, indexContributions, removeFromIndex, unindexContributions } from "./live-index.js";
import { ancestorsOf, presenceOf, subtreeOf } from "./live-presence.js";
import {
  aggregateEdge,
  directOf,
  type KeyedContribution,
  keyedContributionsAt,
  type LiveWorld,
  outcomeOf,
} from "./live-world.js";

const sameContributions = (a: readonly KeyedContribution[], b: readonly KeyedContribution[]): boolean =>
  a.length === b.length &&
  a.every((k, i) => {
    const o = b[i] as KeyedContribution;
    return (
      k.key === o.key && k.weight === o.weight && k.valueUsd === o.valueUsd && k.openingDay === o.openingDay
    );
  });

const sameGrant = (a: DealPresence | undefined, b: DealPresence | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.company === b.company &&
    a.layer === b.layer &&
    a.since === b.since);

const sameStake = (a: StakeEvent | undefined, b: StakeEvent | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.day === b.day &&
    a.seq === b.seq &&
    a.acquisition === b.acquisition &&
    a.holder === b.holder &&
    a.entity === b.entity &&
    a.pct === b.pct);

const sameLink = (a: ControlLink | undefined, b: ControlLink | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.holder === b.holder &&
    a.stake === b.stake &&
    a.since === b.since &&
    a.viaAcquisition === b.viaAcquisition);

const stopsOf = (o: EntityOutcome | undefined): string =>
  o === undefined ? "" : JSON.stringify([[...o.zeroed], o.wholly]);

interface Dirty {
  readonly edges: Set<string>;
  readonly direct: Set<string>;
  readonly entities: Set<string>;
  /** Companies whose layer-ownership row may have changed. */
  readonly companies: Set<string>;
}

function rederiveDeal(state: DomainState, live: LiveWorld, dealId: string, dirty: Dirty): void {
  const deal = state.deals.get(dealId);
  if (deal === undefined) return;
  const oldList = live.contributions.get(dealId) ?? [];
  const newList = keyedContributionsAt(state, dealId, live.day);
  if (!sameContributions(oldList, newList)) {
    unindexContributions(live, dealId, oldList);
    indexContributions(live, dealId, newList);
    for (const k of oldList) dirty.edges.add(k.key);
    for (const k of newList) dirty.edges.add(k.key);
    if (newList.length > 0) live.contributions.set(dealId, newList);
    else live.contributions.delete(dealId);
  }
  replace(
    live.grants,
    live.grantsByCompany,
    dealId,
    dealPresenceAt(deal, live.day),
    sameGrant,
    (g) => g.company,
    dirty.direct,
  );
  replace(
    live.stakes,
    live.stakesByEntity,
    dealId,
    stakeEventOf(deal, live.day),
    sameStake,
    (e) => e.entity,
    dirty.entities,
  );
}

/**
 * Replaces what a deal gives one company at D (a granted layer, a stake event), keeping the company's index
 * and marking the company before and after as dirty when it changed.
 */
function replace<T>(
  values: Map<string, T>,
  index: Map<string, Set<string>>,
  dealId: string,
  after: T | undefined,
  same: (a: T | undefined, b: T | undefined) => boolean,
  companyOf: (value: T) => string,
  dirty: Set<string>,
): void {
  const before = values.get(dealId);
  if (same(before, after)) return;
  if (before !== undefined) {
    removeFromIndex(index, companyOf(before), dealId);
    dirty.add(companyOf(before));
  }
  if (after === undefined) {
    values.delete(dealId);
    return;
  }
  addToIndex(index, companyOf(after), dealId);
  dirty.add(companyOf(after));
  values.set(dealId, after);
}

/**
 * Recomputes the outcomes of entities whose stake events changed and, when a link or a capital stop
 * changed, control; adds the capital edges a stop reaches to the dirty edges, and the companies whose
 * presence a changed link reaches to `presence`.
 */
function updateControl(live: LiveWorld, dirty: Dirty, presence: Set<string>): void {
  let linksChanged = false;
  const stopsChanged: string[] = [];
  for (const entity of dirty.entities) {
    const before = live.outcomes.get(entity);
    const after = outcomeOf(live, entity);
    if (!sameLink(before?.link, after?.link)) linksChanged = true;
    if (stopsOf(before) !== stopsOf(after)) stopsChanged.push(entity);
    if (after === undefined) live.outcomes.delete(entity);
    else live.outcomes.set(entity, after);
  }
  if (!linksChanged && stopsChanged.length === 0) return;
  const old = live.control;
  live.control = assembleControl(live.outcomes);
  // A capital stop of an entity hides or shows the capital contributions it receives.
  for (const entity of stopsChanged) {
    for (const key of live.edgesByCompany.get(entity) ?? []) {
      if (key.startsWith(`${entity}\u0000`) && key.endsWith("\u0000capital")) dirty.edges.add(key);
    }
  }
  if (linksChanged) controlChanged(live, old, live.control, dirty, presence);
}

/**
 * The effects of changed links (cycle breaking included): the companies above a changed link, before and
 * after, inherit differently; the ones below it may have another ultimate parent, which hides or shows the
 * edges they take part in.
 */
function controlChanged(
  live: LiveWorld,
  old: ControlAt,
  now: ControlAt,
  dirty: Dirty,
  presence: Set<string>,
): void {
  const changed = new Set<string>();
  for (const [entity, link] of old.parent) if (!sameLink(link, now.parent.get(entity))) changed.add(entity);
  for (const [entity, link] of now.parent) if (!sameLink(old.parent.get(entity), link)) changed.add(entity);
  const below = new Set<string>();
  for (const entity of changed) {
    dirty.companies.add(entity);
    ancestorsOf(entity, old, presence);
    ancestorsOf(entity, now, presence);
    subtreeOf(entity, old, below);
    subtreeOf(entity, now, below);
  }
  for (const company of below) {
    if (old.ultimateParent(company) === now.ultimateParent(company)) continue;
    dirty.companies.add(company);
    for (const key of live.edgesByCompany.get(company) ?? []) dirty.edges.add(key);
  }
}

/** Brings the live world up to date; false when the journal no longer reaches back to its last update. */
export function updateLiveWorld(state: DomainState, live: LiveWorld): boolean {
  const touched = journalSince(live.journal, live.position);
  if (touched === undefined) return false;
  live.position = journalEnd(live.journal);
  if (touched.size === 0) return true;
  const dirty: Dirty = { edges: new Set(), direct: new Set(), entities: new Set(), companies: new Set() };
  for (const key of touched) {
    const id = key.slice(1);
    if (key[0] === "d") rederiveDeal(state, live, id, dirty);
    else {
      // A registration brings its layers and a row; an update may rename (the row and the ranking show names).
      dirty.direct.add(id);
      dirty.companies.add(id);
    }
  }
  const presence = new Set<string>();
  if (dirty.entities.size > 0) updateControl(live, dirty, presence);
  for (const key of dirty.edges) {
    aggregateEdge(state, live, key);
    journalAppend(live.edgeKeys, key);
  }
  for (const company of dirty.direct) {
    const { direct, planned } = directOf(state, live, company);
    if (direct === undefined) live.direct.delete(company);
    else live.direct.set(company, direct);
    if (planned === undefined) live.planned.delete(company);
    else live.planned.set(company, planned);
    presence.add(company);
    ancestorsOf(company, live.control, presence);
  }
  for (const company of presence) {
    const p = presenceOf(company, live.direct, live.planned, live.control);
    if (p === undefined) live.presence.delete(company);
    else live.presence.set(company, p);
    dirty.companies.add(company);
  }
  for (const company of dirty.companies) journalAppend(live.companyKeys, company);
  return true;
}
