import type { ServerResponse } from "node:http";
import type { Kysely } from "kysely";
import type { ConnectionTarget } from "../db/connection-string.js";
import type { Database } from "../db/schema.js";
import type { WakeUp } from "../event-log/wake-up.js";
import { changeSource, eventSource, type FeedSource } from "./feed-source.js";
import { createListener, type Listener } from "./listener.js";
import { readHead } from "./read-head.js";
import { DEFAULT_TIMINGS, type SubscriberTimings } from "./serve-subscriber.js";
import { createTailer, type Tailer } from "./tailer.js";

export interface FeedChannel {
  readonly source: FeedSource;
  readonly tailer: Tailer;
}

export interface Feed {
  readonly events: FeedChannel;
  readonly changes: FeedChannel;
  readonly timings: SubscriberTimings;
  /** Responses of the subscribers connected now: counted for tests and metrics, ended at shutdown. */
  readonly subscribers: Set<ServerResponse>;
  stop(): Promise<void>;
}

export interface FeedDeps {
  readonly db: Kysely<Database>;
  readonly logId: string;
  /** PostgreSQL URL for the LISTEN connection; absent (embedded) → in-process wake-ups only. */
  readonly databaseUrl?: ConnectionTarget;
  /** In-process wake-ups: appends of this process, and change records of its projector. */
  readonly eventWakeUp?: WakeUp;
  readonly changeWakeUp?: WakeUp;
  readonly timings?: Partial<SubscriberTimings>;
  readonly pollMs?: number;
  readonly windowSize?: number;
  /**
   * `db` is a replica: a wake-up from the primary's LISTEN may arrive before the replica has replayed the
   * commit, so the tailers look again shortly after each one instead of waiting for the poll.
   */
  readonly readsReplica?: boolean;
  readonly log?: (message: string) => void;
}

/** When to look at a replica again after a wake-up (replay usually takes a few milliseconds). */
const REPLICA_FOLLOW_UP_MS = [10, 50, 200, 500];

/**
 * The feed of one process: one tailer per sequence (events, view changes), woken by LISTEN on a dedicated
 * connection (reconnected with back-off, then a full re-read), by in-process signals, and by a safety poll.
 */
export async function createFeed(deps: FeedDeps): Promise<Feed> {
  const log = deps.log ?? ((message: string) => console.warn(`stackledger: ${message}`));
  const onError = (error: Error) => log(`feed: ${error.message}`);
  const channel = async (source: FeedSource, table: "events" | "view_changes"): Promise<FeedChannel> => ({
    source,
    tailer: createTailer(source, {
      from: await readHead(deps.db, table),
      readHead: () => readHead(deps.db, table),
      capacity: deps.windowSize,
      pollMs: deps.pollMs,
      onError,
    }),
  });
  const events = await channel(eventSource(deps.db, deps.logId), "events");
  const changes = await channel(changeSource(deps.db, deps.logId), "view_changes");
  const byChannel: Record<string, Tailer> = { events: events.tailer, view_changes: changes.tailer };

  const unsubscribers = [
    deps.eventWakeUp?.subscribe(() => events.tailer.wake()),
    deps.changeWakeUp?.subscribe(() => changes.tailer.wake()),
  ];
  const subscribers = new Set<ServerResponse>();
  let listener: Listener | undefined;
  if (deps.databaseUrl) {
    listener = createListener(deps.databaseUrl, ["events", "view_changes"], {
      onNotify: (name) => {
        const tailer = byChannel[name];
        if (!tailer) return;
        tailer.wake();
        if (deps.readsReplica)
          for (const ms of REPLICA_FOLLOW_UP_MS) setTimeout(() => tailer.wake(), ms).unref();
      },
      // A wake-up may have been lost while disconnected: re-read everything.
      onReconnect: () => {
        events.tailer.wake();
        changes.tailer.wake();
      },
      onError,
    });
  }

  return {
    events,
    changes,
    timings: { ...DEFAULT_TIMINGS, ...deps.timings },
    subscribers,
    async stop() {
      // Subscribers resume from their cursors on another process or after the restart.
      for (const res of subscribers) res.end();
      for (const unsubscribe of unsubscribers) unsubscribe?.();
      events.tailer.stop();
      changes.tailer.stop();
      await listener?.stop();
    },
  };
}
