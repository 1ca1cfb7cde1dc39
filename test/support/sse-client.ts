import { EventSource } from "eventsource";
import { EVENT_TYPES } from "../../src/events/index.js";

export interface Received {
  readonly id: string;
  readonly type: string;
  readonly data: any;
}

export interface SseClient {
  readonly received: Received[];
  /** Frames other than caught-up and bookmark. */
  readonly items: () => Received[];
  readonly source: EventSource;
  close(): void;
}

const CONTROL = ["caught-up", "bookmark", "change"];

/** A real EventSource client (the `eventsource` package) collecting every named frame. */
export function openSse(url: string, options: { lastEventId?: string } = {}): SseClient {
  const received: Received[] = [];
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers ?? {}),
          ...(options.lastEventId ? { "Last-Event-ID": options.lastEventId } : {}),
        },
      }),
  });
  for (const type of [...EVENT_TYPES, ...CONTROL]) {
    source.addEventListener(type, (event) => {
      received.push({ id: event.lastEventId, type, data: JSON.parse(event.data) });
    });
  }
  return {
    received,
    items: () => received.filter((r) => r.type !== "caught-up" && r.type !== "bookmark"),
    source,
    close: () => source.close(),
  };
}

/** Waits until `predicate` holds (polling), or fails with `what`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
