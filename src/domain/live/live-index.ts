/**
 * The live world's indexes (a key to a set of ids), kept as deals start and stop giving something at D.
 */
import type { KeyedContribution, LiveWorld } from "./live-world.js";

export function addToIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (set === undefined) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

export function removeFromIndex(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/** Indexes a deal's contributions under their edges (and the edges under their companies). */
export function indexContributions(
  live: LiveWorld,
  dealId: string,
  list: readonly KeyedContribution[],
): void {
  for (const k of list) {
    if (!live.edgeDeals.has(k.key)) {
      addToIndex(live.edgesByCompany, k.customer, k.key);
      addToIndex(live.edgesByCompany, k.supplier, k.key);
    }
    addToIndex(live.edgeDeals, k.key, dealId);
  }
}

export function unindexContributions(
  live: LiveWorld,
  dealId: string,
  list: readonly KeyedContribution[],
): void {
  for (const k of list) {
    removeFromIndex(live.edgeDeals, k.key, dealId);
    if (!live.edgeDeals.has(k.key)) {
      removeFromIndex(live.edgesByCompany, k.customer, k.key);
      removeFromIndex(live.edgesByCompany, k.supplier, k.key);
    }
  }
}
