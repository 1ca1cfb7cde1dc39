import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { LogPosition } from "../event-log/cursor.js";
import { type ReadAllResult, readAll } from "../event-log/read-all.js";

/** Reads one page of the log after a place (the one gap-free read path). */
export type PageReader = (after: LogPosition, limit: number) => Promise<ReadAllResult>;

/**
 * Lets several folds of the same process share their reads: the runners of the three projections rebuild
 * side by side from the start, and reading and parsing the log is most of a rebuild's cost. A page is the
 * same for every reader that asks for it; a page cached before more events committed is still a gap-free
 * prefix of the log, so a fold that uses it stops a little earlier and the runner reads the rest live.
 */
export function createSharedReader(db: Kysely<Database>, logId: string, capacity = 6): PageReader {
  const pages = new Map<string, Promise<ReadAllResult>>();
  return (after, limit) => {
    const key = `${after.xid}:${after.position}:${limit}`;
    let page = pages.get(key);
    if (!page) {
      page = readAll(db, logId, { after, limit });
      pages.set(key, page);
      page.catch(() => pages.delete(key));
      if (pages.size > capacity) pages.delete(pages.keys().next().value as string);
    }
    return page;
  };
}
