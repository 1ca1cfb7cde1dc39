import {
  type DomainState,
  isoToDay,
  type LiveWorld,
  liveWorld,
  readJournal,
} from "../../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../../src/projector/definition.js";
import { describeEdgeChanges } from "./changes.js";
import { dependencyGraphReducer } from "./reducer.js";
import { dependenciesView, type EdgeBody, edgeBody } from "./view.js";

export const edgeKey = (edge: { customer: string; supplier: string; layer: string }) =>
  `${edge.customer}>${edge.supplier}@${edge.layer}`;

/**
 * The view's order as one string: rounded weight descending (a fixed-width complement of thousandths), then
 * customer, supplier and layer. A space sorts before every character an id may hold.
 */
export const edgeSortKey = (edge: { customer: string; supplier: string; layer: string; weight: number }) =>
  `${String(1e15 - Math.round(edge.weight * 1000)).padStart(16, "0")} ${edge.customer} ${edge.supplier} ${edge.layer}`;

const rowOf = (body: EdgeBody): ReadModelRow => ({ key: edgeKey(body), sortKey: edgeSortKey(body), body });

/** The edge of a live aggregate, when it is in the view (not internal to one ultimate parent). */
function visibleRow(live: LiveWorld, aggregateKey: string): ReadModelRow | undefined {
  const e = live.aggregates.get(aggregateKey);
  if (e === undefined || live.control.ultimateParent(e.customer) === live.control.ultimateParent(e.supplier))
    return undefined;
  return rowOf(edgeBody(e));
}

/** The dependency graph as the projector runs it: one read-model row per edge in force, in weight order. */
export const dependencyGraph: ProjectionDefinition<DomainState> = {
  ...dependencyGraphReducer,
  rows: (state, asOf) => dependenciesView(state, asOf, null).edges.map(rowOf),
  changesSince(state, asOf, since) {
    const live = liveWorld(state, isoToDay(asOf));
    const { keys, mark } = readJournal(live.edgeKeys, since);
    const rows: ReadModelRow[] = [];
    const deletes: string[] = [];
    for (const key of keys ?? live.aggregates.keys()) {
      const row = visibleRow(live, key);
      if (row !== undefined) rows.push(row);
      else if (keys !== undefined) {
        const [customer, supplier, layer] = key.split("\u0000") as [string, string, string];
        deletes.push(edgeKey({ customer, supplier, layer }));
      }
    }
    if (keys === undefined) rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    return { full: keys === undefined, rows, deletes, mark };
  },
  describe: describeEdgeChanges,
};
