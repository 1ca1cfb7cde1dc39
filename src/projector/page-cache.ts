import { LRUCache } from "lru-cache";
import type { LiveBuild } from "./build-store.js";

/** A page's rows as served: their sort keys and JSON text. */
interface CachedRow {
  readonly sortKey: string;
  readonly json: string;
}

/** Bytes of pages kept per cache by default. */
export const PAGE_CACHE_BYTES = 16 * 2 ** 20;

/**
 * Pages of a live build kept until its checkpoint moves (docs/decisions.md, "Current-view pages kept in
 * memory"): a build's rows and checkpoint are committed in one transaction and a page is read after its build,
 * so a page kept under (table, checkpoint, date, options) is what an uncached read answers for that
 * checkpoint; a moved build or a swapped table is a new key. Undefined when `maxBytes` is 0.
 */
export function createPageCache<R extends CachedRow>(maxBytes = PAGE_CACHE_BYTES) {
  if (maxBytes <= 0) return undefined;
  const rows = new LRUCache<string, R[]>({
    maxSize: maxBytes,
    sizeCalculation: (page) => page.reduce((sum, row) => sum + row.json.length + row.sortKey.length, 64),
  });
  const keyOf = (build: LiveBuild, table: string, options: unknown) =>
    JSON.stringify([table, build.cursor.xid, build.cursor.position, build.asOf, options]);
  return {
    /** The page of `build` (read from `table`) with these options: kept, or read and kept. */
    async page(build: LiveBuild, table: string, options: unknown, read: () => Promise<R[]>): Promise<R[]> {
      if (build.status !== "live") return read();
      const key = keyOf(build, table, options);
      const kept = rows.get(key);
      if (kept) return kept;
      const page = await read();
      rows.set(key, page);
      return page;
    },
  };
}
