/**
 * The body of `GET /v1/views/dependencies`.
 */
import {
  type DependencyLayer,
  type DomainState,
  dayToIso,
  type EdgeAt,
  edgesAt,
  isoToDay,
  memoize,
  roundHalfEven3,
  worldAt,
} from "../../src/domain/index.js";

export interface EdgeBody {
  customer: string;
  supplier: string;
  layer: DependencyLayer;
  weight: number;
  totalValueUsd: number | null;
  firstSeen: string;
  deals: string[];
}

export interface DependenciesViewBody<C = string | null> {
  asOf: string;
  cursor: C;
  edges: EdgeBody[];
}

export interface DependencyFilters {
  /** Keep edges touching this company (as customer or supplier). */
  readonly company?: string | undefined;
  readonly layer?: DependencyLayer | undefined;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An edge as the view shows it: weight and value rounded, dates as ISO days. */
export function edgeBody(e: EdgeAt): EdgeBody {
  return {
    customer: e.customer,
    supplier: e.supplier,
    layer: e.layer,
    weight: roundHalfEven3(e.weight),
    totalValueUsd: e.totalValueUsd === null ? null : roundHalfEven3(e.totalValueUsd),
    firstSeen: dayToIso(e.firstSeen),
    deals: [...e.deals],
  };
}

/** Edges in force at `asOf`, ordered by rounded weight desc, then customer, supplier, layer. */
export function dependenciesView<C>(
  state: DomainState,
  asOf: string,
  cursor: C,
  filters: DependencyFilters = {},
): DependenciesViewBody<C> {
  const day = isoToDay(asOf);
  // Every edge at D in view order, computed once per state version and date (a past date's edges cost a
  // pass over every deal); the bodies are shared between requests and never changed.
  const all = memoize(state, `edges:${day}`, () => {
    const { control } = worldAt(state, day);
    return edgesAt(state, day, control)
      .map(edgeBody)
      .sort(
        (a, b) =>
          b.weight - a.weight ||
          cmp(a.customer, b.customer) ||
          cmp(a.supplier, b.supplier) ||
          cmp(a.layer, b.layer),
      );
  });
  const edges =
    filters.company === undefined && filters.layer === undefined
      ? [...all]
      : all.filter(
          (e) =>
            (filters.company === undefined ||
              e.customer === filters.company ||
              e.supplier === filters.company) &&
            (filters.layer === undefined || e.layer === filters.layer),
        );
  return { asOf, cursor, edges };
}
