/**
 * The bodies of `GET /v1/views/layers` and `GET /v1/views/layers/{companyId}`.
 */
import {
  type CompanyPresence,
  type DomainState,
  dayToIso,
  isoToDay,
  type LayerPath,
  roundHalfEven3,
  type StackLayer,
  type WorldAt,
  worldAt,
} from "../../src/domain/index.js";

export interface LayerBody {
  weight: number;
  path: LayerPath;
  via?: string;
  since: string;
}

export interface CompanyLayersBody {
  companyId: string;
  name: string;
  layers: Partial<Record<StackLayer, LayerBody>>;
  plannedLayers: StackLayer[];
  controlledBy?: string;
  ultimateParent: string;
}

export interface LayersViewBody<C = string | null> {
  asOf: string;
  cursor: C;
  companies: CompanyLayersBody[];
}

export interface ControlBody {
  companyId: string;
  stake: number;
  since: string;
}

export type CompanyDetailBody<C = string | null> = { asOf: string; cursor: C } & CompanyLayersBody & {
    controls: ControlBody[];
  };

const NO_PRESENCE: CompanyPresence = { layers: [], planned: [] };

function entry(state: DomainState, world: WorldAt, companyId: string): CompanyLayersBody {
  const presence = world.presence.get(companyId) ?? NO_PRESENCE;
  const layers: Partial<Record<StackLayer, LayerBody>> = {};
  for (const l of presence.layers) {
    // Key order as documented: weight, path, via (absent for direct), since.
    layers[l.layer] =
      l.via === undefined
        ? { weight: roundHalfEven3(l.p), path: l.path, since: dayToIso(l.since) }
        : { weight: roundHalfEven3(l.p), path: l.path, via: l.via, since: dayToIso(l.since) };
  }
  const name = state.companies.get(companyId)?.name ?? companyId;
  const plannedLayers = [...presence.planned];
  const ultimateParent = world.control.ultimateParent(companyId);
  const link = world.control.parent.get(companyId);
  return link === undefined
    ? { companyId, name, layers, plannedLayers, ultimateParent }
    : { companyId, name, layers, plannedLayers, controlledBy: link.holder, ultimateParent };
}

/** Every registered company known to the state, ordered by company id, as of `asOf` (YYYY-MM-DD). */
export function layersView<C>(state: DomainState, asOf: string, cursor: C): LayersViewBody<C> {
  const world = worldAt(state, isoToDay(asOf));
  const ids = [...state.companies.keys()].sort();
  return { asOf, cursor, companies: ids.map((id) => entry(state, world, id)) };
}

/** One company's entry plus the entities it controls directly (the read model's row body). */
export function companyRow(
  state: DomainState,
  world: WorldAt,
  companyId: string,
): CompanyLayersBody & { controls: ControlBody[] } {
  const controls: ControlBody[] = (world.control.children.get(companyId) ?? []).map((entity) => {
    const link = world.control.parent.get(entity);
    return {
      companyId: entity,
      stake: roundHalfEven3(link?.stake ?? 0),
      since: dayToIso(link?.since ?? 0),
    };
  });
  return { ...entry(state, world, companyId), controls };
}

/** One company's entry plus the entities it controls directly; undefined when the company is unknown. */
export function companyLayersView<C>(
  state: DomainState,
  companyId: string,
  asOf: string,
  cursor: C,
): CompanyDetailBody<C> | undefined {
  if (!state.companies.has(companyId)) return undefined;
  return { asOf, cursor, ...companyRow(state, worldAt(state, isoToDay(asOf)), companyId) };
}
