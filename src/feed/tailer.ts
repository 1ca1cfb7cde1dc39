import { compareLogPositions, type LogPosition } from "../event-log/cursor.js";
import type { FeedEntry } from "./feed-entry.js";
import type { FeedSource } from "./feed-source.js";

export interface Tailer {
  /** The last place read. */
  head(): LogPosition;
  /**
   * Entries after `cursor` from the in-memory window, or undefined when `cursor` is older than the window
   * (the subscriber must read the database until it catches up).
   */
  entriesAfter(cursor: LogPosition, limit: number): FeedEntry[] | undefined;
  /** Reads the source up to its readable end now. */
  refresh(): Promise<void>;
  /**
   * New entries may exist (a wake-up, the poll): read them now when someone listens; with no listener,
   * only remember that the window is stale (the next listener or `refresh` restarts it at the head).
   */
  wake(): void;
  /** Called after new entries arrive; returns an unsubscribe function. */
  onAdvance(listener: () => void): () => void;
  stop(): void;
}

export interface TailerOptions {
  /** Entries kept in memory (older ones are read from the database by the subscribers that need them). */
  readonly capacity?: number;
  /** Safety poll: readers never depend on the wake-up alone. */
  readonly pollMs?: number;
  /** Where the window starts (the head of the log when the process starts). */
  readonly from: LogPosition;
  /** The source's readable head now: where an idle tailer's window restarts. */
  readonly readHead: () => Promise<LogPosition>;
  readonly onError?: (error: Error) => void;
}

/**
 * One per process and sequence: reads the source through the gap-free path into a bounded window. Every
 * subscriber of the process reads from this window (or from the database while it is behind it), so the
 * database sees one reader per process, not one per client. With no subscriber the tailer reads nothing
 * (an API process under append load would otherwise re-read every append it just wrote); its window is
 * then stale, and restarts at the head when a subscriber arrives; until it has, subscribers read the
 * database.
 */
export function createTailer(source: FeedSource, options: TailerOptions): Tailer {
  const capacity = options.capacity ?? 10_000;
  let entries: FeedEntry[] = [];
  // Everything after `windowStart` up to `head` is in `entries`, in delivery order, with no gap.
  let windowStart = options.from;
  let head = options.from;
  const listeners = new Set<() => void>();
  let reading: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let stale = false;

  const readToEnd = async () => {
    for (;;) {
      const page = await source.read(head, 1000);
      if (page.entries.length > 0) {
        entries.push(...page.entries);
        head = page.entries[page.entries.length - 1]!.at;
        if (entries.length > capacity) {
          const drop = entries.length - capacity;
          windowStart = entries[drop - 1]!.at;
          entries = entries.slice(drop);
        }
        for (const listener of listeners) listener();
      }
      if (page.end) return;
    }
  };

  const refresh = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        if (stale) {
          const restart = await options.readHead();
          entries = [];
          windowStart = head = restart;
          stale = false;
        }
        do {
          again = false;
          await readToEnd();
        } while (again && !stopped);
      } catch (error) {
        options.onError?.(error as Error);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };

  const wake = () => {
    if (listeners.size > 0) void refresh();
    else stale = true;
  };

  const poll = setInterval(wake, options.pollMs ?? 1000);
  poll.unref();

  return {
    head: () => head,
    entriesAfter(cursor, limit) {
      if (stale || compareLogPositions(cursor, windowStart) < 0) return undefined;
      // Binary search for the first entry after the cursor.
      let low = 0;
      let high = entries.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (compareLogPositions(entries[mid]!.at, cursor) <= 0) low = mid + 1;
        else high = mid;
      }
      return entries.slice(low, low + limit);
    },
    refresh,
    wake,
    onAdvance(listener) {
      listeners.add(listener);
      if (stale) void refresh();
      return () => listeners.delete(listener);
    },
    stop() {
      stopped = true;
      clearInterval(poll);
      listeners.clear();
    },
  };
}
