import type { ExpectedVersion, NewEvent } from "../event-log/append-events.js";
import type { FieldIssue } from "../event-log/errors.js";
import { ExpectedVersion as ExpectedVersionInput, parseEventInput, streamIdOf } from "../events/index.js";

export const MAX_BATCH = 1000;

/** The same expected version as an event's, for the batch-wide one of the stream endpoint. */
export const ExpectedVersionSchema = ExpectedVersionInput;

export type ParsedBody =
  | { success: true; events: NewEvent[]; bare: boolean }
  | { success: false; issues: FieldIssue[] };

/**
 * Parses the body of `POST /v1/events` (`{ events: [...] }` or one bare event) or, with `streamId`, of
 * `POST /v1/streams/{streamId}/events` (`{ events, expectedVersion? }`). Reports every failing path.
 */
export function parseAppendBody(body: unknown, streamId?: string): ParsedBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return fail("", "the body must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  const wrapped = streamId !== undefined || "events" in record;
  if (!wrapped) return parseEvents([record], [], undefined, undefined, true);

  const issues: FieldIssue[] = [];
  const allowed = streamId === undefined ? ["events"] : ["events", "expectedVersion"];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) issues.push({ path: key, message: `Unrecognized key: "${key}"` });
  }
  const events = record.events;
  if (!Array.isArray(events)) issues.push({ path: "events", message: "must be an array of events" });
  else if (events.length < 1 || events.length > MAX_BATCH) {
    issues.push({ path: "events", message: `must hold 1 to ${MAX_BATCH} events` });
  }
  let batchVersion: ExpectedVersion | undefined;
  if (record.expectedVersion !== undefined) {
    const parsed = ExpectedVersionSchema.safeParse(record.expectedVersion);
    if (parsed.success) batchVersion = parsed.data;
    else
      issues.push({
        path: "expectedVersion",
        message: 'must be "any", "no_stream", "stream_exists" or a non-negative integer',
      });
  }
  if (issues.length > 0 || !Array.isArray(events)) return { success: false, issues };
  return parseEvents(events, issues, streamId, batchVersion, false);
}

function parseEvents(
  inputs: unknown[],
  issues: FieldIssue[],
  streamId: string | undefined,
  batchVersion: ExpectedVersion | undefined,
  bare: boolean,
): ParsedBody {
  const events: NewEvent[] = [];
  const seenIds = new Map<string, number>();
  inputs.forEach((input, index) => {
    const path = bare ? [] : ["events", index];
    const prefix = bare ? "" : `events.${index}.`;
    const parsed = parseEventInput(input, path);
    if (!parsed.success) {
      issues.push(...parsed.issues);
      return;
    }
    const event = parsed.event as NewEvent;
    if (event.id !== undefined) {
      const first = seenIds.get(event.id);
      if (first !== undefined)
        issues.push({ path: `${prefix}id`, message: `repeats the id of events.${first}` });
      else seenIds.set(event.id, index);
    }
    if (streamId !== undefined) {
      if (event.expectedVersion !== undefined) {
        issues.push({
          path: `${prefix}expectedVersion`,
          message: "use the batch-wide expectedVersion on this endpoint",
        });
      }
      if (streamIdOf(event) !== streamId) {
        issues.push({
          path: `${prefix}data`,
          message: `belongs to stream ${streamIdOf(event)}, not ${streamId}`,
        });
      }
    }
    events.push(event);
  });
  if (issues.length > 0) return { success: false, issues };
  // A batch-wide expected version is the stream's version before the batch: it applies to the first event.
  if (batchVersion !== undefined && events[0]) events[0] = { ...events[0], expectedVersion: batchVersion };
  return { success: true, events, bare };
}

function fail(path: string, message: string): ParsedBody {
  return { success: false, issues: [{ path, message }] };
}
