import {
  type DomainState,
  isoToDay,
  liveWorld,
  readJournal,
  type WorldAt,
  worldAt,
} from "../../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../../src/projector/definition.js";
import { describeLayerChanges } from "./changes.js";
import { layerOwnershipReducer } from "./reducer.js";
import { companyRow } from "./view.js";

const rowOf = (state: DomainState, world: WorldAt, companyId: string): ReadModelRow => ({
  key: companyId,
  sortKey: companyId,
  body: companyRow(state, world, companyId),
});

/**
 * Layer ownership as the projector runs it: one read-model row per registered company, ordered by id, with
 * the entities it controls (the list view leaves `controls` out; the per-company view shows it). A live step
 * recomputes the rows of the companies the live world journaled (companies are never unregistered: no
 * deletes).
 */
export const layerOwnership: ProjectionDefinition<DomainState> = {
  ...layerOwnershipReducer,
  rows(state, asOf) {
    const world = worldAt(state, isoToDay(asOf));
    return [...state.companies.keys()].sort().map((companyId) => rowOf(state, world, companyId));
  },
  changesSince(state, asOf, since) {
    const live = liveWorld(state, isoToDay(asOf));
    const { keys, mark } = readJournal(live.companyKeys, since);
    const ids =
      keys === undefined ? [...state.companies.keys()] : [...keys].filter((id) => state.companies.has(id));
    return {
      full: keys === undefined,
      rows: ids.sort().map((id) => rowOf(state, live, id)),
      deletes: [],
      mark,
    };
  },
  describe: describeLayerChanges,
};
