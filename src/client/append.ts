import type { z } from "zod";
import type { EventType, ExpectedVersion, eventDataSchemas, JsonObject } from "../events/index.js";
import { backoffDelay, sleep } from "./backoff.js";
import type { Transport } from "./create-transport.js";
import { StackledgerError, UnavailableError } from "./errors.js";
import type { AppendResponse } from "./schemas.js";

/** An event to append: narrowed on `type`, its data typed by the catalog's schema (as the server reads it). */
export type EventInput<K extends EventType = EventType> = {
  [T in K]: {
    /** The idempotency key; the client assigns one when absent, so a retry is a replay. */
    id?: string;
    type: T;
    data: z.input<(typeof eventDataSchemas)[T]>;
    metadata?: JsonObject;
    expectedVersion?: ExpectedVersion;
  };
}[K];

export interface AppendOptions {
  /** Append to this one stream (`POST /v1/streams/{stream}/events`), with a batch-wide expected version. */
  readonly stream?: string;
  /** With `stream`: the batch's; without it (a single event): that event's. */
  readonly expectedVersion?: ExpectedVersion;
  /** How long retries may go on (ms, default: the client's `retryFor`, 30 s). 0: no retry. */
  readonly retryFor?: number;
  readonly signal?: AbortSignal;
}

export interface AppendResult extends AppendResponse {
  /** True when the server already had this exact batch (a retry of an append that had committed). */
  readonly replayed: boolean;
}

/**
 * Appends one event or a batch, all or nothing. Ids are assigned here before the first attempt, so every
 * retry (503, outcome unknown, a dropped connection) sends the same batch and the server stores it once.
 */
export async function append(
  transport: Transport,
  eventOrEvents: EventInput | readonly EventInput[],
  options: AppendOptions & { readonly retryFor: number },
): Promise<AppendResult> {
  const list = Array.isArray(eventOrEvents) ? eventOrEvents : [eventOrEvents as EventInput];
  if (list.length === 0) throw new TypeError("append: no events");
  let events = list.map((event) => ({ ...event, id: event.id ?? globalThis.crypto.randomUUID() }));
  if (options.expectedVersion !== undefined && options.stream === undefined) {
    if (events.length > 1) throw new TypeError("append: a batch-wide expectedVersion needs `stream`");
    events = events.map((event) => ({ ...event, expectedVersion: options.expectedVersion }));
  }
  const request =
    options.stream === undefined
      ? () => transport.open("append", { body: { events }, signal: options.signal })
      : () =>
          transport.open("appendToStream", {
            params: { streamId: options.stream as string },
            body: {
              events,
              ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
            },
            signal: options.signal,
          });
  const deadline = Date.now() + options.retryFor;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await request();
      const body = (await response.json()) as AppendResponse;
      return { ...body, replayed: response.status === 200 };
    } catch (error) {
      if (options.signal?.aborted || !isRetryable(error)) throw error;
      const wait = Math.max(backoffDelay(attempt), retryAfterMs(error));
      if (Date.now() + wait > deadline) throw error;
      await sleep(wait, options.signal);
    }
  }
}

/** 503 (database away, outcome unknown), a gateway's 502/504, or no answer at all. */
function isRetryable(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (error instanceof StackledgerError)
    return error.status === 502 || (error.status === 504 && error.type === "about:blank");
  // fetch rejects with a TypeError when the connection failed or dropped before an answer.
  return error instanceof TypeError;
}

function retryAfterMs(error: unknown): number {
  return error instanceof StackledgerError ? (error.retryAfterMs ?? 0) : 0;
}
