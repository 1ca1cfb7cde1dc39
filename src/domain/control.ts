/**
 * Stakes and control at a valid date D.
 *
 * Stakes change, in effective-date order, only through acquisitions and stake changes whose status at D is
 * completed; each takes effect at the start of its deal's completed run that holds at D, and events on the
 * same day apply in the log order of the status-setting event that began each run. A holder above 50
 * controls; among several, the highest stake, then the later start of control, then the smaller id.
 */
import { compileDeal, type DealRecord, isCompleted, runStartAt } from "./deal-model.js";
import type { AcquisitionData, StakeChangeData } from "./event-types.js";
import type { DomainState } from "./state.js";

export interface ControlLink {
  readonly holder: string;
  /** The controller's current stake (51 for control stated without a percentage). */
  readonly stake: number;
  /** Start of the holder's current uninterrupted period as controller. */
  readonly since: number;
  /** The current spell of control began with a completed acquisition by this holder. */
  readonly viaAcquisition: boolean;
}

export interface ControlAt {
  /** entity → its direct controller, with control cycles broken at their smallest id. */
  readonly parent: ReadonlyMap<string, ControlLink>;
  /** The top of the entity's control chain (the entity itself when uncontrolled). */
  ultimateParent(companyId: string): string;
  /** Entities each holder controls directly, sorted by id. */
  readonly children: ReadonlyMap<string, readonly string[]>;
  /** True when a capital contribution supplier → customer dated `day` is stopped by a stake falling to 0. */
  capitalStopped(customer: string, supplier: string, day: number): boolean;
}

export interface StakeEvent {
  readonly day: number;
  readonly seq: number;
  readonly acquisition: boolean;
  readonly holder: string;
  readonly entity: string;
  readonly pct: number;
}

interface HolderStake {
  pct: number;
  /** Day the stake crossed above 50 (undefined while at or below 50). */
  crossDay: number | undefined;
}

interface EntityControl {
  readonly holders: Map<string, HolderStake>;
  controller: string | undefined;
  since: number;
  viaAcquisition: boolean;
}

/** The stake event a deal sets at D (an acquisition or stake change completed at D), if any. */
export function stakeEventOf(deal: DealRecord, day: number): StakeEvent | undefined {
  if (deal.type !== "AcquisitionReported" && deal.type !== "StakeChangeReported") return undefined;
  if (deal.retracted) return undefined;
  const c = compileDeal(deal);
  const start = runStartAt(c, day, isCompleted);
  if (start === undefined) return undefined;
  if (deal.type === "AcquisitionReported") {
    const d = deal.opening.data as unknown as AcquisitionData;
    return {
      day: start.day,
      seq: start.seq,
      acquisition: true,
      holder: d.acquirer,
      entity: d.target,
      pct: d.percentAcquired ?? 100,
    };
  }
  const d = deal.opening.data as unknown as StakeChangeData;
  // A percentage wins over a contradicting `control`; control alone counts as 51; neither sets nothing.
  const pct = d.percentAfter ?? (d.control === true ? 51 : undefined);
  if (pct === undefined) return undefined;
  return { day: start.day, seq: start.seq, acquisition: false, holder: d.holder, entity: d.entity, pct };
}

/** Application order of stake events: effective day, then log order. */
export const byStakeOrder = (a: StakeEvent, b: StakeEvent): number => a.day - b.day || a.seq - b.seq;

/** The stake events in force at D, in application order. */
export function stakeEventsAt(state: DomainState, day: number): StakeEvent[] {
  const events: StakeEvent[] = [];
  for (const deal of state.deals.values()) {
    const ev = stakeEventOf(deal, day);
    if (ev !== undefined) events.push(ev);
  }
  return events.sort(byStakeOrder);
}

function pickController(holders: Map<string, HolderStake>): string | undefined {
  let best: string | undefined;
  let bestStake: HolderStake | undefined;
  for (const [id, s] of holders) {
    if (s.pct <= 50) continue;
    if (
      bestStake === undefined ||
      best === undefined ||
      s.pct > bestStake.pct ||
      (s.pct === bestStake.pct &&
        ((s.crossDay ?? 0) > (bestStake.crossDay ?? 0) || (s.crossDay === bestStake.crossDay && id < best)))
    ) {
      best = id;
      bestStake = s;
    }
  }
  return best;
}

/** Breaks every cycle of a functional graph at its smallest id (that node loses its parent). */
function breakCycles(parent: Map<string, ControlLink>): void {
  const state = new Map<string, 1 | 2>(); // 1: on the current walk, 2: done
  for (const start of [...parent.keys()].sort()) {
    if (state.has(start)) continue;
    const walk: string[] = [];
    let node: string | undefined = start;
    while (node !== undefined && !state.has(node)) {
      state.set(node, 1);
      walk.push(node);
      node = parent.get(node)?.holder;
    }
    if (node !== undefined && state.get(node) === 1) {
      const cycle = walk.slice(walk.indexOf(node));
      let smallest = cycle[0] as string;
      for (const id of cycle) if (id < smallest) smallest = id;
      parent.delete(smallest);
    }
    for (const id of walk) state.set(id, 2);
  }
}

/** What one entity's stake events decide: its controller and the capital contributions they stop. */
export interface EntityOutcome {
  /** The entity's controller link (absent when uncontrolled or self-controlled), before cycles are broken. */
  readonly link: ControlLink | undefined;
  /** holder → latest day a completed stake change set the holder's stake to 0. */
  readonly zeroed: ReadonlyMap<string, number>;
  /** Completed 100% acquisitions of the entity (acquirer, day), in application order. */
  readonly wholly: readonly { readonly acquirer: string; readonly day: number }[];
}

/**
 * Applies one entity's stake events (in application order): control of an entity depends on its own stake
 * events only, which lets the incremental world recompute just the entities whose events changed.
 */
export function entityOutcome(entity: string, events: readonly StakeEvent[]): EntityOutcome {
  const e: EntityControl = { holders: new Map(), controller: undefined, since: 0, viaAcquisition: false };
  const zeroed = new Map<string, number>();
  const wholly: { acquirer: string; day: number }[] = [];
  for (const ev of events) {
    if (ev.acquisition && ev.pct === 100) {
      for (const [id, s] of e.holders) {
        if (id !== ev.holder) {
          s.pct = 0;
          s.crossDay = undefined;
        }
      }
      wholly.push({ acquirer: ev.holder, day: ev.day });
    }
    let s = e.holders.get(ev.holder);
    if (s === undefined) {
      s = { pct: 0, crossDay: undefined };
      e.holders.set(ev.holder, s);
    }
    if (ev.pct > 50) {
      if (s.pct <= 50) s.crossDay = ev.day;
    } else {
      s.crossDay = undefined;
    }
    s.pct = ev.pct;
    if (!ev.acquisition && ev.pct === 0) zeroed.set(ev.holder, ev.day);
    const controller = pickController(e.holders);
    if (controller !== e.controller) {
      e.controller = controller;
      e.since = ev.day;
      e.viaAcquisition = ev.acquisition && ev.holder === controller;
    }
  }
  const link =
    e.controller === undefined || e.controller === entity
      ? undefined
      : {
          holder: e.controller,
          stake: (e.holders.get(e.controller) as HolderStake).pct,
          since: e.since,
          viaAcquisition: e.viaAcquisition,
        };
  return { link, zeroed, wholly };
}

/** Control at D from every entity's outcome: links with cycles broken, children, ultimate parents, stops. */
export function assembleControl(outcomes: ReadonlyMap<string, EntityOutcome>): ControlAt {
  const parent = new Map<string, ControlLink>();
  for (const [entity, o] of outcomes) if (o.link !== undefined) parent.set(entity, o.link);
  breakCycles(parent);

  const children = new Map<string, string[]>();
  for (const [entity, link] of parent) {
    let list = children.get(link.holder);
    if (list === undefined) {
      list = [];
      children.set(link.holder, list);
    }
    list.push(entity);
  }
  for (const list of children.values()) list.sort();

  const top = new Map<string, string>();
  const ultimateParent = (id: string): string => {
    const known = top.get(id);
    if (known !== undefined) return known;
    const chain: string[] = [];
    let node = id;
    let result: string | undefined;
    for (;;) {
      const cached = top.get(node);
      if (cached !== undefined) {
        result = cached;
        break;
      }
      chain.push(node);
      const link = parent.get(node);
      if (link === undefined) {
        result = node;
        break;
      }
      node = link.holder;
    }
    for (const n of chain) top.set(n, result);
    return result;
  };

  const capitalStopped = (customer: string, supplier: string, contributionDay: number): boolean => {
    const o = outcomes.get(customer);
    if (o === undefined) return false;
    const z = o.zeroed.get(supplier);
    if (z !== undefined && contributionDay <= z) return true;
    for (const a of o.wholly) {
      if (a.acquirer !== supplier && contributionDay <= a.day) return true;
    }
    return false;
  };

  return { parent, ultimateParent, children, capitalStopped };
}

/** Stake events grouped by entity, each group in application order. */
export function stakeEventsByEntity(events: readonly StakeEvent[]): Map<string, StakeEvent[]> {
  const byEntity = new Map<string, StakeEvent[]>();
  for (const ev of events) {
    let list = byEntity.get(ev.entity);
    if (list === undefined) {
      list = [];
      byEntity.set(ev.entity, list);
    }
    list.push(ev);
  }
  return byEntity;
}

/** Computes stakes, control links and capital stops at D. */
export function controlAt(state: DomainState, day: number): ControlAt {
  const outcomes = new Map<string, EntityOutcome>();
  for (const [entity, events] of stakeEventsByEntity(stakeEventsAt(state, day)))
    outcomes.set(entity, entityOutcome(entity, events));
  return assembleControl(outcomes);
}
