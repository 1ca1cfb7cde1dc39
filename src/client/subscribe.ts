import type { EventType } from "../events/index.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { Transport } from "./create-transport.js";
import { StackledgerError } from "./errors.js";
import type { Checkpoint } from "./memory-checkpoint.js";
import { readSseFrames as readFrames } from "./read-sse-frames.js";
import type { FeedChange, StoredEvent } from "./schemas.js";

export interface EventFeedFilters {
  readonly types?: readonly EventType[];
  readonly companies?: readonly string[];
  readonly streams?: readonly string[];
}
export interface ChangeFeedFilters {
  readonly projections?: readonly string[];
}

interface CommonOptions {
  /** Where to start when the checkpoint has no cursor: a cursor, `start` or `now` (the default). */
  readonly after?: string;
  /** A saved cursor wins over `after`; saved after each handled event, on bookmarks and on `caught-up`. */
  readonly checkpoint?: Checkpoint;
  /** Called on each `caught-up` (history exhausted, now live). */
  readonly onCaughtUp?: (cursor: string) => void;
  /** Called with each transient failure before reconnecting (for logs); the subscription goes on. */
  readonly onReconnect?: (error: unknown) => void;
  /** The longest wait between reconnects (ms, default 30 000). */
  readonly maxReconnectDelay?: number;
  readonly signal?: AbortSignal;
}
export type SubscribeOptions =
  | (CommonOptions & { readonly feed: "events"; readonly filters?: EventFeedFilters })
  | (CommonOptions & { readonly feed: "changes"; readonly filters?: ChangeFeedFilters });

export type FeedItem<O extends SubscribeOptions> = O extends { feed: "changes" } ? FeedChange : StoredEvent;

export interface Subscription {
  /** Stops after the event being handled (if any) is handled and saved. */
  stop(): Promise<void>;
  /** Resolves when stopped; rejects with the handler's error, or a refusal (4xx: bad cursor, 410, auth). */
  readonly done: Promise<void>;
  /** The cursor of the last handled event, bookmark or caught-up. */
  cursor(): string | undefined;
}

class HandlerFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Follows a feed: calls `handler` once per item, one at a time, in log order, and saves the checkpoint
 * after each. Any connection failure, 5xx or end of stream reconnects from the last cursor (with the
 * server's `retry:` hint, then jittered backoff), so nothing is skipped or repeated while the process lives.
 */
export function subscribeWith<T>(
  transport: Transport,
  options: SubscribeOptions,
  handler: (item: T) => unknown,
): Subscription {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  let cursor: string | undefined;

  async function run(): Promise<void> {
    let saved = await options.checkpoint?.load();
    cursor = saved ?? options.after ?? "now";
    const save = async (next: string) => {
      cursor = next;
      if (!options.checkpoint || next === saved) return;
      await options.checkpoint.save(next);
      saved = next;
    };
    const maxDelay = options.maxReconnectDelay ?? 30_000;
    let retryMs = 1000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const response = await transport.open(options.feed === "events" ? "feedEvents" : "feedChanges", {
          query: { after: cursor, ...options.filters },
          headers: {
            accept: "text/event-stream",
            ...(cursor === "start" || cursor === "now" ? {} : { "last-event-id": cursor }),
          },
          signal,
        });
        if (!response.body) throw new TypeError("the feed answered without a body");
        for await (const frame of readFrames(response.body)) {
          if (frame.retry !== undefined) retryMs = frame.retry;
          if (frame.id === undefined) continue;
          failures = 0;
          if (frame.event === "caught-up" || frame.event === "bookmark") {
            await save(frame.id);
            if (frame.event === "caught-up") options.onCaughtUp?.(frame.id);
            continue;
          }
          const parsed = JSON.parse(frame.data);
          const item = options.feed === "events" ? parsed : { ...parsed, changeCursor: frame.id };
          try {
            await handler(item as T);
          } catch (error) {
            throw new HandlerFailed(error);
          }
          await save(frame.id);
          if (signal.aborted) return;
        }
      } catch (error) {
        if (error instanceof HandlerFailed) throw error.error;
        if (signal.aborted) return;
        // A refusal (bad cursor, 410, auth, bad filter) will not heal by retrying.
        if (error instanceof StackledgerError && error.status >= 400 && error.status < 500) throw error;
        options.onReconnect?.(error);
        failures += 1;
      }
      const delay = failures === 0 ? retryMs : Math.max(retryMs, backoffDelay(failures, 250, maxDelay));
      await sleep(Math.min(delay, maxDelay), signal).catch(() => {});
    }
  }

  const done = run();
  // The caller observes `done`; this keeps an unobserved failure from being reported as unhandled twice.
  done.catch(() => {});
  return {
    async stop() {
      controller.abort();
      await done.catch(() => {});
    },
    done,
    cursor: () => cursor,
  };
}
