import type { ViewChange } from "../../src/projector/definition.js";
import type { EdgeBody } from "./view.js";

/** Edges that appeared or disappeared; weight decay and value changes alone record nothing. */
export function describeEdgeChanges(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): ViewChange[] {
  const changes: ViewChange[] = [];
  for (const [key, body] of after) {
    if (before.has(key)) continue;
    const edge = body as EdgeBody;
    changes.push({
      kind: "edge_added",
      companyId: edge.customer,
      customer: edge.customer,
      supplier: edge.supplier,
      layer: edge.layer,
      after: edge,
      description: `${edge.customer} now depends on ${edge.supplier} for ${edge.layer} (${edge.deals.join(", ")})`,
    });
  }
  for (const [key, body] of before) {
    if (after.has(key)) continue;
    const edge = body as EdgeBody;
    changes.push({
      kind: "edge_removed",
      companyId: edge.customer,
      customer: edge.customer,
      supplier: edge.supplier,
      layer: edge.layer,
      before: edge,
      description: `${edge.customer} no longer depends on ${edge.supplier} for ${edge.layer}`,
    });
  }
  return changes;
}
