/**
 * Layer ownership: which company holds which stack layer, directly or through the entities it controls.
 */
import {
  applyEvent,
  createDomainState,
  type DomainState,
  type ProjectionReducer,
} from "../../src/domain/index.js";
import { EVENT_TYPES } from "../../src/events/index.js";

/**
 * Every event type: the shared domain state keeps every dated fact, and the three projections fold the same
 * state (so a process can share its reads among them). Types a view does not need cost only their fold.
 */
export const LAYER_OWNERSHIP_EVENT_TYPES = EVENT_TYPES;

export const layerOwnershipReducer: ProjectionReducer<DomainState> = {
  name: "layer-ownership",
  version: 1,
  eventTypes: LAYER_OWNERSHIP_EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
};
