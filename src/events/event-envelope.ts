import { z } from "zod";
import { type DomainEvent, EVENT_TYPES, eventDataSchemas, isEventType } from "./catalog.js";
import { EventMetadata } from "./metadata.js";
import { isRecord } from "./primitives.js";
import {
  formatIssuePath,
  type IssuePathPrefix,
  toValidationIssues,
  type ValidationIssue,
} from "./validation-issue.js";

export const EXPECTED_VERSION_KEYWORDS = ["any", "no_stream", "stream_exists"] as const;

/** Optimistic concurrency: a keyword, or the stream's version (its event count) before this event. */
export const ExpectedVersion = z.union(
  [z.enum(EXPECTED_VERSION_KEYWORDS), z.int().nonnegative().max(2_147_483_647)],
  {
    error: 'expectedVersion must be "any", "no_stream", "stream_exists" or a non-negative integer',
  },
);
export type ExpectedVersion = z.infer<typeof ExpectedVersion>;

const unknownTypeMessage = (input: unknown): string =>
  `${input === undefined ? "Missing event type" : `Unknown event type ${JSON.stringify(input)}`}; expected one of ${EVENT_TYPES.join(", ")}`;

/**
 * What a client posts. `data` is only checked to be an object here: its schema depends on `type`,
 * and `parseEventInput` applies it as a second step so both steps' issues are reported together.
 */
export const EventEnvelope = z.strictObject({
  id: z.uuid().optional(),
  type: z.enum(EVENT_TYPES, { error: (issue) => unknownTypeMessage(issue.input) }),
  data: z.custom<Record<string, unknown>>(isRecord, { error: "data must be an object" }),
  metadata: EventMetadata.optional(),
  expectedVersion: ExpectedVersion.optional(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/** A client event whose envelope and data both validated. */
export type ParsedEventInput = DomainEvent & {
  id?: string;
  metadata?: EventMetadata;
  expectedVersion?: ExpectedVersion;
};

export type ParseEventInputResult =
  | { success: true; event: ParsedEventInput }
  | { success: false; issues: ValidationIssue[] };

/**
 * Validates one client event: the envelope, then `data` against its type's schema. Every failing
 * path is reported, prefixed by `path` (e.g. `["events", 3]` gives `events.3.data.sources.0.url`).
 * Data is returned exactly as sent: no defaults are filled in.
 *
 * @example
 * parseEventInput({ type: "DealEnded", data: { dealId: "a-b" } }); // { success: true, event: {...} }
 */
export const parseEventInput = (input: unknown, path: IssuePathPrefix = []): ParseEventInputResult => {
  const envelope = EventEnvelope.safeParse(input);
  const issues = envelope.success ? [] : toValidationIssues(envelope.error.issues, path);
  if (!isRecord(input) || !isEventType(input.type) || !isRecord(input.data)) {
    return {
      success: false,
      issues: issues.length > 0 ? issues : [{ path: formatIssuePath(path), message: "Invalid event" }],
    };
  }
  const data = eventDataSchemas[input.type].safeParse(input.data);
  if (!data.success) issues.push(...toValidationIssues(data.error.issues, [...path, "data"]));
  if (!envelope.success || !data.success) return { success: false, issues };
  // The schema lookup by `type` guarantees the pairing TypeScript cannot follow through the index.
  const event = { ...envelope.data, data: data.data } as ParsedEventInput;
  return { success: true, event };
};
