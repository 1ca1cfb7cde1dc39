/**
 * Integration ranking at D: every ultimate parent holding at least one stack layer, scored on the layers it
 * holds (direct or inherited) plus a bonus for the longest run of consecutive layers.
 */
import type { StackLayer } from "./event-types.js";
import type { HeldLayer } from "./presence.js";
import type { WorldAt } from "./world.js";

export interface RankingEntry {
  readonly companyId: string;
  /** Unrounded score. */
  readonly score: number;
  readonly layers: readonly HeldLayer[];
  readonly directLayers: number;
  /** The latest `since` among held layers. */
  readonly attainedAt: number;
}

const LAYER_INDEX: Readonly<Record<StackLayer, number>> = {
  hardware: 0,
  compute: 1,
  model: 2,
  application: 3,
};

/** Σ p + 0.25 × max(0, R − 1), R the longest run of held layers consecutive in stack order. */
export function integrationScore(layers: readonly HeldLayer[]): number {
  let sum = 0;
  let run = 0;
  let longest = 0;
  let previous = -2;
  for (const l of layers) {
    sum += l.p;
    const i = LAYER_INDEX[l.layer];
    run = i === previous + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = i;
  }
  return sum + 0.25 * Math.max(0, longest - 1);
}

/** Compares two entries: score desc, direct layers desc, attainedAt asc, company id asc. */
export function compareRanking(a: RankingEntry, b: RankingEntry): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.directLayers !== b.directLayers) return b.directLayers - a.directLayers;
  if (a.attainedAt !== b.attainedAt) return a.attainedAt - b.attainedAt;
  return a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0;
}

/**
 * The ranked entries at D among `candidates` (the companies to consider, e.g. every registered company).
 * Controlled entities roll up into their parent and are not ranked.
 */
export function rankingAt(world: WorldAt, candidates: Iterable<string>): RankingEntry[] {
  const out: RankingEntry[] = [];
  for (const id of candidates) {
    if (world.control.parent.has(id)) continue;
    const presence = world.presence.get(id);
    if (presence === undefined || presence.layers.length === 0) continue;
    let directLayers = 0;
    let attainedAt = Number.NEGATIVE_INFINITY;
    for (const l of presence.layers) {
      if (l.path === "direct") directLayers++;
      attainedAt = Math.max(attainedAt, l.since);
    }
    out.push({
      companyId: id,
      score: integrationScore(presence.layers),
      layers: presence.layers,
      directLayers,
      attainedAt,
    });
  }
  return out.sort(compareRanking);
}
