/**
 * The body of `GET /v1/views/rankings`.
 */
import {
  type DomainState,
  dayToIso,
  isoToDay,
  rankingAt,
  roundHalfEven3,
  type StackLayer,
  type WorldAt,
  worldAt,
} from "../../src/domain/index.js";

export interface RankingBody {
  rank: number;
  companyId: string;
  name: string;
  score: number;
  layers: Partial<Record<StackLayer, number>>;
  directLayers: number;
  attainedAt: string;
}

export interface RankingsViewBody<C = string | null> {
  asOf: string;
  cursor: C;
  rankings: RankingBody[];
}

/** Ranked ultimate parents of a world, numbered 1..n; `limit` keeps the first entries. */
export function rankingBodies(state: DomainState, world: WorldAt, limit?: number): RankingBody[] {
  const entries = rankingAt(world, state.companies.keys());
  const limited = limit === undefined ? entries : entries.slice(0, Math.max(0, limit));
  return limited.map((e, i): RankingBody => {
    const layers: Partial<Record<StackLayer, number>> = {};
    for (const l of e.layers) layers[l.layer] = roundHalfEven3(l.p);
    return {
      rank: i + 1,
      companyId: e.companyId,
      name: state.companies.get(e.companyId)?.name ?? e.companyId,
      score: roundHalfEven3(e.score),
      layers,
      directLayers: e.directLayers,
      attainedAt: dayToIso(e.attainedAt),
    };
  });
}

/** Ranked ultimate parents at `asOf`, numbered 1..n; `limit` keeps the first entries. */
export function rankingsView<C>(
  state: DomainState,
  asOf: string,
  cursor: C,
  options: { readonly limit?: number | undefined } = {},
): RankingsViewBody<C> {
  return { asOf, cursor, rankings: rankingBodies(state, worldAt(state, isoToDay(asOf)), options.limit) };
}
