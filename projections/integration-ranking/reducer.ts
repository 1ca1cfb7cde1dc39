/**
 * Integration ranking: ultimate parents scored on how much of the stack they hold.
 */
import {
  applyEvent,
  createDomainState,
  type DomainState,
  type ProjectionReducer,
} from "../../src/domain/index.js";
import { LAYER_OWNERSHIP_EVENT_TYPES } from "../layer-ownership/reducer.js";

export const INTEGRATION_RANKING_EVENT_TYPES = LAYER_OWNERSHIP_EVENT_TYPES;

export const integrationRankingReducer: ProjectionReducer<DomainState> = {
  name: "integration-ranking",
  version: 1,
  eventTypes: INTEGRATION_RANKING_EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
};
