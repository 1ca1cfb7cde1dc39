import type { DomainState } from "../../src/domain/index.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";
import { describeLayerChanges } from "./changes.js";
import { layerOwnershipReducer } from "./reducer.js";
import { layersView } from "./view.js";

/** Layer ownership as the projector runs it: one read-model row per registered company. */
export const layerOwnership: ProjectionDefinition<DomainState> = {
  ...layerOwnershipReducer,
  rows: (state, asOf) =>
    layersView(state, asOf, null).companies.map((body) => ({ key: body.companyId, body })),
  describe: describeLayerChanges,
};
