/**
 * Dependency graph: who depends on whom for which layer, weighted by value and recency.
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
export const DEPENDENCY_GRAPH_EVENT_TYPES = EVENT_TYPES;

export const dependencyGraphReducer: ProjectionReducer<DomainState> = {
  name: "dependency-graph",
  version: 1,
  eventTypes: DEPENDENCY_GRAPH_EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
};
