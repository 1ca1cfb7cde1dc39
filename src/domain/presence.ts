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
type DirectSince = (number | undefined)[];

interface Candidate {
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

/** Direct presence and announced-launch layers at D. */
export function directPresenceAt(
  state: DomainState,
  day: number,
): { direct: Map<string, DirectSince>; planned: Map<string, boolean[]> } {
  const direct = new Map<string, DirectSince>();
  const planned = new Map<string, boolean[]>();
  const grant = (company: string, layer: StackLayer, since: number): void => {
    let row = direct.get(company);
    if (row === undefined) {
      row = [undefined, undefined, undefined, undefined];
      direct.set(company, row);
    }
    const i = LAYER_INDEX[layer] as number;
    const prev = row[i];
    if (prev === undefined || since < prev) row[i] = since;
  };

  for (const company of state.companies.values()) {
    for (const l of company.layers) {
      if (l.sinceDay <= day) grant(company.companyId, l.layer, l.sinceDay);
    }
  }

  for (const deal of state.deals.values()) {
    const type = deal.type;
    const launch =
      type === "ChipLaunchReported" || type === "ModelReleaseReported" || type === "ProductLaunchReported";
    if (!launch && type !== "ComputeDealReported") continue;
    if (deal.retracted) continue;
    const c = compileDeal(deal);
    if (isEndedAt(c, day)) continue;
    if (type === "ComputeDealReported") {
      const start = runStartAt(c, day, isInForce);
      if (start !== undefined) grant(deal.opening.data.provider as string, "compute", start.day);
      continue;
    }
    const status = statusAt(c, day);
    if (status !== "completed" && status !== "announced") continue;
    const layer = layerOfLaunch(deal, c, day);
    if (layer === undefined) continue;
    const owner = ownerOfLaunch(type, deal.opening.data);
    if (status === "completed") {
      const start = runStartAt(c, day, isCompleted) as { day: number };
      grant(owner, layer, start.day);
    } else {
      let row = planned.get(owner);
      if (row === undefined) {
        row = [false, false, false, false];
        planned.set(owner, row);
      }
      row[LAYER_INDEX[layer] as number] = true;
    }
  }
  return { direct, planned };
}

/** Every company's held layers (direct and inherited) and planned layers at D. */
export function presenceAt(
  state: DomainState,
  day: number,
  control: ControlAt,
): Map<string, CompanyPresence> {
  const { direct, planned } = directPresenceAt(state, day);
  const candidates = new Map<string, (Candidate | undefined)[]>();
  const offer = (company: string, layer: number, cand: Omit<Candidate, "minSince">): void => {
    let row = candidates.get(company);
    if (row === undefined) {
      row = [undefined, undefined, undefined, undefined];
      candidates.set(company, row);
    }
    const cur = row[layer];
    if (cur === undefined) {
      row[layer] = { ...cand, minSince: cand.since };
    } else {
      const minSince = Math.min(cur.minSince, cand.since);
      if (better(cand, cur)) row[layer] = { ...cand, minSince };
      else cur.minSince = minSince;
    }
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
  for (const id of ids) {
    const row = candidates.get(id);
    const layers: HeldLayer[] = [];
    const plannedRow = planned.get(id);
    const plannedLayers: StackLayer[] = [];
    for (let i = 0; i < 4; i++) {
      const c = row?.[i];
      const layer = STACK_LAYERS[i] as StackLayer;
      if (c !== undefined) {
        layers.push({
          layer,
          p: c.p,
          path: LAYER_PATHS[c.rank] as LayerPath,
          via: c.via,
          since: c.minSince,
        });
      } else if (plannedRow?.[i] === true) {
        plannedLayers.push(layer);
      }
    }
    out.set(id, { layers, planned: plannedLayers });
  }
  return out;
}
