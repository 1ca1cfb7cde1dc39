/**
 * Layer presence at D: direct presence, inheritance through control chains, planned layers.
 */
import type { ControlAt } from "./control.js";
import {
  type CompiledDeal,
  compileDeal,
  type DealRecord,
  fieldAt,
  isCompleted,
  isEndedAt,
  isInForce,
  runStartAt,
  statusAt,
} from "./deal-model.js";
import { STACK_LAYERS, type StackLayer } from "./event-types.js";
import type { DomainState } from "./state.js";

export const LAYER_PATHS = [
  "direct",
  "via_acquisition",
  "via_wholly_owned_subsidiary",
  "via_majority_owned_subsidiary",
] as const;
export type LayerPath = (typeof LAYER_PATHS)[number];

export interface HeldLayer {
  readonly layer: StackLayer;
  /** The weight p of the best path. */
  readonly p: number;
  readonly path: LayerPath;
  /** The controlled entity holding the layer directly (absent for `direct`). */
  readonly via: string | undefined;
  /** Earliest start among all paths in force, even when `path` is another one. */
  readonly since: number;
}

export interface CompanyPresence {
  /** Held layers in stack order. */
  readonly layers: readonly HeldLayer[];
  /** Announced launches and releases of layers the company does not hold, in stack order. */
  readonly planned: readonly StackLayer[];
}

const LAYER_INDEX: Readonly<Record<string, number>> = { hardware: 0, compute: 1, model: 2, application: 3 };

/** Per company, the earliest direct `since` of each of the four layers (undefined when not held). */
export type DirectSince = (number | undefined)[];

export interface Candidate {
  p: number;
  rank: number;
  since: number;
  via: string | undefined;
  minSince: number;
}

function better(a: Omit<Candidate, "minSince">, b: Candidate): boolean {
  if (a.p !== b.p) return a.p > b.p;
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.since !== b.since) return a.since < b.since;
  return (a.via ?? "") < (b.via ?? "");
}

function layerOfLaunch(deal: DealRecord, c: CompiledDeal, day: number): StackLayer | undefined {
  const type = deal.type;
  if (type === "ChipLaunchReported") return "hardware";
  if (type === "ModelReleaseReported") return "model";
  if (type === "ProductLaunchReported") {
    const layer = fieldAt(deal, c, day, "layer");
    return typeof layer === "string" && layer in LAYER_INDEX ? (layer as StackLayer) : undefined;
  }
  return undefined;
}

function ownerOfLaunch(type: string, data: Readonly<Record<string, unknown>>): string {
  if (type === "ChipLaunchReported") return data.designer as string;
  if (type === "ModelReleaseReported") return data.developer as string;
  return data.owner as string;
}

/** What a deal gives its owner at D: a held layer from `since`, or an announced (planned) one. */
export interface DealPresence {
  readonly company: string;
  /** Index in stack order. */
  readonly layer: number;
  /** Start of the holding; undefined for a planned layer. */
  readonly since: number | undefined;
}

/** The layer a deal grants (or announces) at D: compute deals and launches only. */
export function dealPresenceAt(deal: DealRecord, day: number): DealPresence | undefined {
  const type = deal.type;
  const launch =
    type === "ChipLaunchReported" || type === "ModelReleaseReported" || type === "ProductLaunchReported";
  if (!launch && type !== "ComputeDealReported") return undefined;
  if (deal.retracted) return undefined;
  const c = compileDeal(deal);
  if (isEndedAt(c, day)) return undefined;
  if (type === "ComputeDealReported") {
    const start = runStartAt(c, day, isInForce);
    if (start === undefined) return undefined;
    return {
      company: deal.opening.data.provider as string,
      layer: LAYER_INDEX.compute as number,
      since: start.day,
    };
  }
  const status = statusAt(c, day);
  if (status !== "completed" && status !== "announced") return undefined;
  const layer = layerOfLaunch(deal, c, day);
  if (layer === undefined) return undefined;
  const company = ownerOfLaunch(type, deal.opening.data);
  const since = status === "completed" ? (runStartAt(c, day, isCompleted) as { day: number }).day : undefined;
  return { company, layer: LAYER_INDEX[layer] as number, since };
}

/** Direct presence and announced-launch layers at D. */
export function directPresenceAt(
  state: DomainState,
  day: number,
): { direct: Map<string, DirectSince>; planned: Map<string, boolean[]> } {
  const direct = new Map<string, DirectSince>();
  const planned = new Map<string, boolean[]>();
  for (const company of state.companies.values()) {
    for (const l of company.layers) {
      if (l.sinceDay <= day)
        grantLayer(direct, company.companyId, LAYER_INDEX[l.layer] as number, l.sinceDay);
    }
  }
  for (const deal of state.deals.values()) {
    const g = dealPresenceAt(deal, day);
    if (g === undefined) continue;
    if (g.since !== undefined) grantLayer(direct, g.company, g.layer, g.since);
    else {
      let row = planned.get(g.company);
      if (row === undefined) {
        row = [false, false, false, false];
        planned.set(g.company, row);
      }
      row[g.layer] = true;
    }
  }
  return { direct, planned };
}

/** Records a direct holding, keeping the earliest start of each layer. */
export function grantLayer(
  direct: Map<string, DirectSince>,
  company: string,
  layer: number,
  since: number,
): void {
  let row = direct.get(company);
  if (row === undefined) {
    row = [undefined, undefined, undefined, undefined];
    direct.set(company, row);
  }
  const prev = row[layer];
  if (prev === undefined || since < prev) row[layer] = since;
}

/** Offers a path to a layer: the best path wins, the earliest start of any path is kept. */
export function offerCandidate(
  row: (Candidate | undefined)[],
  layer: number,
  cand: Omit<Candidate, "minSince">,
): void {
  const cur = row[layer];
  if (cur === undefined) {
    row[layer] = { ...cand, minSince: cand.since };
  } else {
    const minSince = Math.min(cur.minSince, cand.since);
    if (better(cand, cur)) row[layer] = { ...cand, minSince };
    else cur.minSince = minSince;
  }
}

/** A company's presence from its best path per layer and its announced layers. */
export function presenceFromCandidates(
  row: readonly (Candidate | undefined)[] | undefined,
  plannedRow: readonly boolean[] | undefined,
): CompanyPresence {
  const layers: HeldLayer[] = [];
  const plannedLayers: StackLayer[] = [];
  for (let i = 0; i < 4; i++) {
    const c = row?.[i];
    const layer = STACK_LAYERS[i] as StackLayer;
    if (c !== undefined) {
      layers.push({ layer, p: c.p, path: LAYER_PATHS[c.rank] as LayerPath, via: c.via, since: c.minSince });
    } else if (plannedRow?.[i] === true) {
      plannedLayers.push(layer);
    }
  }
  return { layers, planned: plannedLayers };
}

/** Every company's held layers (direct and inherited) and planned layers at D. */
export function presenceAt(
  state: DomainState,
  day: number,
  control: ControlAt,
): Map<string, CompanyPresence> {
  const { direct, planned } = directPresenceAt(state, day);
  return presenceFrom(direct, planned, control);
}

/** Held and planned layers of every company, from direct holdings, announced layers and control. */
export function presenceFrom(
  direct: ReadonlyMap<string, DirectSince>,
  planned: ReadonlyMap<string, readonly boolean[]>,
  control: ControlAt,
): Map<string, CompanyPresence> {
  const candidates = new Map<string, (Candidate | undefined)[]>();
  const offer = (company: string, layer: number, cand: Omit<Candidate, "minSince">): void => {
    let row = candidates.get(company);
    if (row === undefined) {
      row = [undefined, undefined, undefined, undefined];
      candidates.set(company, row);
    }
    offerCandidate(row, layer, cand);
  };

  for (const [entity, row] of direct) {
    for (let i = 0; i < 4; i++) {
      const since = row[i];
      if (since !== undefined) offer(entity, i, { p: 1, rank: 0, since, via: undefined });
    }
    // Walk up the control chain: every controller above inherits the layers the entity holds directly.
    let all100 = true;
    let anyAcquisition = false;
    let linkSince = Number.NEGATIVE_INFINITY;
    let node = entity;
    for (let link = control.parent.get(node); link !== undefined; link = control.parent.get(node)) {
      all100 &&= link.stake === 100;
      anyAcquisition ||= link.viaAcquisition;
      linkSince = Math.max(linkSince, link.since);
      const rank = all100 ? (anyAcquisition ? 1 : 2) : 3;
      const p = all100 ? 1 : 0.75;
      for (let i = 0; i < 4; i++) {
        const since = row[i];
        if (since !== undefined)
          offer(link.holder, i, { p, rank, since: Math.max(linkSince, since), via: entity });
      }
      node = link.holder;
    }
  }

  const out = new Map<string, CompanyPresence>();
  const ids = new Set<string>([...candidates.keys(), ...planned.keys()]);
  for (const id of ids) out.set(id, presenceFromCandidates(candidates.get(id), planned.get(id)));
  return out;
}
