import type { DomainState } from "../../src/domain/index.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";
import { describeEdgeChanges } from "./changes.js";
import { dependencyGraphReducer } from "./reducer.js";
import { dependenciesView } from "./view.js";

export const edgeKey = (edge: { customer: string; supplier: string; layer: string }) =>
  `${edge.customer}>${edge.supplier}@${edge.layer}`;

/**
 * The view's order as one string: rounded weight descending (a fixed-width complement of thousandths), then
 * customer, supplier and layer. A space sorts before every character an id may hold.
 */
export const edgeSortKey = (edge: { customer: string; supplier: string; layer: string; weight: number }) =>
  `${String(1e15 - Math.round(edge.weight * 1000)).padStart(16, "0")} ${edge.customer} ${edge.supplier} ${edge.layer}`;

/** The dependency graph as the projector runs it: one read-model row per edge in force, in weight order. */
export const dependencyGraph: ProjectionDefinition<DomainState> = {
  ...dependencyGraphReducer,
  rows: (state, asOf) =>
    dependenciesView(state, asOf, null).edges.map((body) => ({
      key: edgeKey(body),
      sortKey: edgeSortKey(body),
      body,
    })),
  describe: describeEdgeChanges,
};
