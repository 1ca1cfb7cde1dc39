import type { ViewChange } from "../../src/projector/definition.js";
import type { CompanyLayersBody, LayerBody } from "./view.js";

const PATH_WORDS: Record<string, string> = {
  direct: "direct",
  via_acquisition: "acquisition completed",
  via_wholly_owned_subsidiary: "wholly-owned subsidiary",
  via_majority_owned_subsidiary: "majority-owned subsidiary",
};

const how = (layer: LayerBody) =>
  `${layer.via ? ` via ${layer.via}` : ""} (${PATH_WORDS[layer.path] ?? layer.path})`;

/** Layer and control changes between two versions of companies' entries (keyed by company id). */
export function describeLayerChanges(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): ViewChange[] {
  const changes: ViewChange[] = [];
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const companyId of ids) {
    const old = before.get(companyId) as CompanyLayersBody | undefined;
    const now = after.get(companyId) as CompanyLayersBody | undefined;
    const oldLayers = old?.layers ?? {};
    const newLayers = now?.layers ?? {};
    for (const layer of ["hardware", "compute", "model", "application"] as const) {
      const a = oldLayers[layer];
      const b = newLayers[layer];
      if (!a && b) {
        changes.push({
          kind: "layer_gained",
          companyId,
          layer,
          after: b,
          description: `${companyId} gained ${layer}${how(b)}`,
        });
      } else if (a && !b) {
        changes.push({
          kind: "layer_lost",
          companyId,
          layer,
          before: a,
          description: `${companyId} lost ${layer}${how(a)}`,
        });
      } else if (a && b && (a.path !== b.path || a.via !== b.via || a.weight !== b.weight)) {
        changes.push({
          kind: "layer_changed",
          companyId,
          layer,
          before: a,
          after: b,
          description: `${companyId} now holds ${layer}${how(b)}, before${how(a)}`,
        });
      }
    }
    const oldParent = old?.controlledBy;
    const newParent = now?.controlledBy;
    if (oldParent !== newParent) {
      if (oldParent) {
        changes.push({
          kind: "control_lost",
          companyId: oldParent,
          before: { entity: companyId },
          description: `${oldParent} no longer controls ${companyId}`,
        });
      }
      if (newParent) {
        changes.push({
          kind: "control_gained",
          companyId: newParent,
          after: { entity: companyId },
          description: `${newParent} gained control of ${companyId}`,
        });
      }
    }
  }
  return changes;
}
