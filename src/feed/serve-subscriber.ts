import type { ServerResponse } from "node:http";
import { isDatabaseUnavailable } from "../db/database-unavailable.js";
import { encodeCursor, type LogPosition } from "../event-log/cursor.js";
import { type FeedEntry, sseFrame } from "./feed-entry.js";
import type { FeedSource } from "./feed-source.js";
import type { Tailer } from "./tailer.js";

export interface SubscriberTimings {
  /** A `:` comment after this long without a frame (keeps proxies and clients from timing out). */
  readonly heartbeatMs: number;
  /** A `bookmark` at least this often while a filter skips events. */
  readonly bookmarkMs: number;
  /** A write that cannot finish in this time drops the client (it resumes from its cursor). */
  readonly writeTimeoutMs: number;
  /** The `retry:` hint, plus up to 50% jitter so that a fleet of clients does not reconnect at once. */
  readonly retryMs: number;
}

export const DEFAULT_TIMINGS: SubscriberTimings = {
  heartbeatMs: 15_000,
  bookmarkMs: 30_000,
  writeTimeoutMs: 10_000,
  retryMs: 2_000,
};

export interface Subscription {
  readonly logId: string;
  readonly source: FeedSource;
  readonly tailer: Tailer;
  readonly start: LogPosition;
  /** Undefined: no filter. */
  readonly filter?: (entry: FeedEntry) => boolean;
  readonly timings: SubscriberTimings;
  readonly requestId?: string;
}

class ClientGone extends Error {}

/**
 * Streams a feed to one client over the raw Node response. A subscriber is only a cursor: it reads
 * entries from the process's window, or pages from the database while it is behind the window — one
 * path for catch-up and live, so the hand-over can neither skip nor repeat an entry. Frames are encoded
 * once per entry, shared by every client.
 */
export async function serveSubscriber(res: ServerResponse, subscription: Subscription): Promise<void> {
  const { tailer, source, filter, timings, logId } = subscription;
  const cursorOf = (at: LogPosition) => encodeCursor(logId, at, source.kind);
  let closed = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    closed = true;
    wake?.();
  };
  res.once("close", onClose);
  const unsubscribe = tailer.onAdvance(() => wake?.());

  const write = async (chunk: string) => {
    if (closed) throw new ClientGone();
    if (res.write(chunk)) return;
    // The client is not reading: wait for the socket to drain, but not for ever.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new ClientGone());
      }, timings.writeTimeoutMs);
      const done = () => {
        cleanup();
        if (closed) reject(new ClientGone());
        else resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        res.off("drain", done);
        res.off("close", done);
      };
      res.once("drain", done);
      res.once("close", done);
    });
  };

  try {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
      ...(subscription.requestId ? { "X-Request-Id": subscription.requestId } : {}),
    });
    const retry = Math.round(timings.retryMs * (1 + Math.random() / 2));
    await write(`retry: ${retry}\n\n`);

    let cursor = subscription.start;
    let caughtUp = false;
    let lastWrite = Date.now();
    let lastFrame = Date.now();
    let skipped = false;
    let readFailures = 0;
    let retryReadAt = 0;

    while (!closed) {
      let batch = tailer.entriesAfter(cursor, 500);
      if (batch === undefined) {
        try {
          batch = (await source.read(cursor, 100)).entries;
          readFailures = 0;
        } catch (error) {
          // The database is away: keep the client (heartbeats go on) and read again with back-off; the
          // cursor has not moved, so nothing is skipped or repeated when it returns.
          if (!isDatabaseUnavailable(error)) throw error;
          readFailures += 1;
          retryReadAt = Date.now() + Math.min(100 * 2 ** readFailures, 5000);
          batch = [];
        }
      }
      if (batch.length === 0) {
        if (!caughtUp && readFailures === 0) {
          caughtUp = true;
          await write(sseFrame(cursorOf(cursor), "caught-up", {}));
          lastWrite = lastFrame = Date.now();
          skipped = false;
        }
        const now = Date.now();
        if (skipped && now - lastFrame >= timings.bookmarkMs) {
          await write(sseFrame(cursorOf(cursor), "bookmark", {}));
          lastWrite = lastFrame = now;
          skipped = false;
        } else if (now - lastWrite >= timings.heartbeatMs) {
          await write(": heartbeat\n\n");
          lastWrite = now;
        }
        const nextDue = Math.min(
          lastWrite + timings.heartbeatMs,
          skipped ? lastFrame + timings.bookmarkMs : Number.POSITIVE_INFINITY,
          readFailures > 0 ? retryReadAt : Number.POSITIVE_INFINITY,
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, nextDue - Date.now()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      // One write per batch: the frames are already encoded, so joining them is cheap, and the socket
      // gets one buffer instead of hundreds.
      let frames = "";
      for (const entry of batch) {
        cursor = entry.at;
        if (!filter || filter(entry)) {
          frames += entry.frame;
          skipped = false;
        } else {
          skipped = true;
        }
      }
      if (frames) {
        await write(frames);
        lastWrite = lastFrame = Date.now();
      }
      if (skipped && Date.now() - lastFrame >= timings.bookmarkMs) {
        await write(sseFrame(cursorOf(cursor), "bookmark", {}));
        lastWrite = lastFrame = Date.now();
        skipped = false;
      }
    }
  } catch (error) {
    if (!(error instanceof ClientGone)) throw error;
  } finally {
    // Everything this client held goes here, whatever ended it (onAbort alone misses some paths).
    unsubscribe();
    res.off("close", onClose);
    wake = undefined;
    if (!res.writableEnded) res.destroy();
  }
}
