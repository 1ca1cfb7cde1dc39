import type { Transport } from "./create-transport.js";
import { type SubscribeOptions, subscribeWith } from "./subscribe.js";

/** Rejects the pending handler when the loop is left, so the item in hand is not saved. */
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
