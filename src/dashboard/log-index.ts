import { effectiveDate } from "../events/partial-date.js";
import type { LogEnvelope, ViewClient } from "./view-client.js";

/** What the time controls need to know of the log: where the slider starts and what was known when. */
export interface LogIndexSnapshot {
  /** The earliest effective date any event speaks of (the slider's start), or undefined on an empty log. */
  readonly firstDate?: string;
  /** [UTC day, cursor of the last event recorded by the end of that day], by day: "as known then". */
  readonly known: readonly (readonly [string, string])[];
}

/**
 * Follows `GET /v1/events` incrementally (from the last `next`), so a page render reads only what was
 * appended since the previous one. @NOTE Recording days follow delivery order; an event delivered after
 * one recorded on a later day (a long transaction) is attributed to the later day's cursor.
 */
export function createLogIndex(views: ViewClient) {
  let next: string | undefined;
  let firstDate: string | undefined;
  const known = new Map<string, string>();
  let running: Promise<void> | undefined;

  function take(event: LogEnvelope) {
    const day = event.recordedAt.slice(0, 10);
    known.set(day, event.cursor);
    const dates: string[] = [];
    const { occurredOn, layers } = event.data;
    dates.push(typeof occurredOn === "string" ? effectiveDate(occurredOn) : day);
    if (Array.isArray(layers)) {
      for (const layer of layers as { since?: unknown }[]) {
        if (typeof layer?.since === "string") dates.push(effectiveDate(layer.since));
      }
    }
    for (const date of dates) if (firstDate === undefined || date < firstDate) firstDate = date;
  }

  async function catchUp() {
    for (;;) {
      const page = await views.events(next);
      for (const event of page.events) take(event);
      next = page.next;
      if (page.end || page.events.length === 0) return;
    }
  }

  return {
    async snapshot(): Promise<LogIndexSnapshot> {
      running ??= catchUp().finally(() => {
        running = undefined;
      });
      await running;
      return { firstDate, known: [...known].sort(([a], [b]) => (a < b ? -1 : 1)) };
    },
  };
}

/** The knowledge point "as known at the end of `day`": the last cursor recorded by then, else `start`. */
export function knownAtFor(known: LogIndexSnapshot["known"], day: string): string {
  let cursor = "start";
  for (const [recorded, at] of known) {
    if (recorded > day) break;
    cursor = at;
  }
  return cursor;
}
