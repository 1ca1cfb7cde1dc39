import type { EventType } from "../events/index.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { Checkpoint } from "./checkpoint.js";
import { StackledgerError } from "./errors.js";
import type { FeedChange, StoredEvent } from "./schemas.js";
import { readSseFrames as readFrames } from "./sse-frames.js";
import type { Transport } from "./transport.js";

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

class Stopped extends Error {}

/**
 * The same subscription as an async iterator: an item counts as handled (and its cursor is saved) when
 * the loop asks for the next one. Leaving the loop (`break`, `return` or a throw) does not save the item
 * being processed: it is delivered again on the next run — at least once, never lost.
 */
export function iterateWith<T>(
  transport: Transport,
  options: SubscribeOptions,
): AsyncIterableIterator<T> & { stop(): Promise<void> } {
  let ack: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  let ready: { value: T } | undefined;
  let waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  let finished: { error?: unknown } | undefined;

  const subscription = subscribeWith<T>(
    transport,
    options,
    (item) =>
      new Promise<void>((resolve, reject) => {
        ack = { resolve, reject };
        if (waiter) {
          waiter.resolve({ value: item, done: false });
          waiter = undefined;
        } else ready = { value: item };
      }),
  );
  subscription.done.then(
    () => settle({}),
    (error) => settle(error instanceof Stopped ? {} : { error }),
  );
  function settle(result: { error?: unknown }) {
    finished = result;
    if (!waiter) return;
    if (result.error !== undefined) waiter.reject(result.error);
    else waiter.resolve({ value: undefined, done: true });
    waiter = undefined;
  }
  const close = async () => {
    ack?.reject(new Stopped());
    ack = undefined;
    await subscription.stop();
  };
  const iterator: AsyncIterableIterator<T> & { stop(): Promise<void> } = {
    next() {
      ack?.resolve();
      ack = undefined;
      if (ready) {
        const { value } = ready;
        ready = undefined;
        return Promise.resolve({ value, done: false });
      }
      if (finished) {
        return finished.error !== undefined
          ? Promise.reject(finished.error)
          : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    stop: close,
  };
  return iterator;
}
