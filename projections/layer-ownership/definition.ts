import type { DomainState } from "../../src/domain/index.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";
import { describeLayerChanges } from "./changes.js";
import { layerOwnershipReducer } from "./reducer.js";
import { companyLayersView } from "./view.js";

/**
 * Layer ownership as the projector runs it: one read-model row per registered company, ordered by id, with
 * the entities it controls (the list view leaves `controls` out; the per-company view shows it).
 */
export const layerOwnership: ProjectionDefinition<DomainState> = {
  ...layerOwnershipReducer,
  rows: (state, asOf) =>
    [...state.companies.keys()].sort().map((companyId) => {
      const { asOf: _asOf, cursor: _cursor, ...body } = companyLayersView(state, companyId, asOf, null)!;
      return { key: companyId, sortKey: companyId, body };
    }),
  describe: describeLayerChanges,
};
