import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import {
  amendmentChangesSchema,
  applyCorrection,
  type DomainEvent,
  streamIdOf,
  toValidationIssues,
} from "../events/index.js";
import { type FieldIssue, UnknownReferenceError, ValidationError } from "./errors.js";

type Identified = DomainEvent & { readonly id: string };

interface KnownEvent {
  readonly id: string;
  readonly streamId: string;
  readonly type: string;
  data: Record<string, unknown>;
}

const CORRECTABLE = new Set(["DealStatusChanged", "DealAmended", "DealEnded"]);

/**
 * Validates what the catalog alone cannot: `DealAmended.changes` against the deal's opening type, and a
 * `DealCorrected` against its target (same deal, a correctable type, still valid once merged).
 * A lifecycle event of an unknown deal is left to the append itself (422 there).
 */
export async function checkDealChanges(
  db: Kysely<Database>,
  events: readonly Identified[],
  pathOf: (index: number) => string,
): Promise<void> {
  const amends = events.some((e) => e.type === "DealAmended" || e.type === "DealCorrected");
  if (!amends) return;

  const dealStreams = [...new Set(events.filter(needsDeal).map((e) => streamIdOf(e)))];
  // Every event of the deals concerned: the opening, the correctable targets (a target must be in the same
  // deal) and earlier corrections. One index range per stream; per-stream order is log order.
  const stored = await db
    .selectFrom("events")
    .select(["event_id", "stream_id", "stream_version", "type", "data"])
    .where("stream_id", "in", dealStreams)
    .orderBy("stream_id")
    .orderBy("stream_version")
    .execute();

  const openingType = new Map<string, string>();
  const known = new Map<string, KnownEvent>();
  const storedCorrections: KnownEvent[] = [];
  for (const row of stored) {
    const event = {
      id: row.event_id,
      streamId: row.stream_id,
      type: row.type,
      data: row.data as Record<string, unknown>,
    };
    if (row.stream_version === 1) openingType.set(row.stream_id, row.type);
    if (row.type === "DealCorrected") storedCorrections.push(event);
    else known.set(row.event_id, { ...event, data: { ...event.data } });
  }
  // Bring stored targets up to date with the corrections already recorded (log order).
  for (const correction of storedCorrections) {
    const target = known.get(String(correction.data.correctsEventId));
    if (!target) continue;
    const merged = applyCorrection(
      target.type,
      target.data,
      correction.data.changes as Record<string, unknown>,
    );
    if (merged.success) target.data = merged.data as Record<string, unknown>;
  }

  const issues: FieldIssue[] = [];
  const unknownEvents: string[] = [];
  events.forEach((event, index) => {
    const streamId = streamIdOf(event);
    if (event.type.endsWith("Reported") && !openingType.has(streamId)) openingType.set(streamId, event.type);
    const base = `${pathOf(index)}data`;
    if (event.type === "DealAmended") {
      const opening = openingType.get(streamId);
      if (opening) {
        const result = amendmentChangesSchema(opening as never).safeParse(event.data.changes);
        if (!result.success) issues.push(...toValidationIssues(result.error.issues, [`${base}.changes`]));
      }
    } else if (event.type === "DealCorrected") {
      const target = known.get(event.data.correctsEventId);
      if (!target || target.streamId !== streamId) {
        unknownEvents.push(event.data.correctsEventId);
      } else if (!target.type.endsWith("Reported") && !CORRECTABLE.has(target.type)) {
        issues.push({ path: `${base}.correctsEventId`, message: `a ${target.type} cannot be corrected` });
      } else {
        const changes = event.data.changes as Record<string, unknown>;
        const merged = applyCorrection(target.type, target.data, changes, openingType.get(streamId));
        if (merged.success) target.data = merged.data as Record<string, unknown>;
        else
          issues.push(
            ...merged.issues.map((issue) => ({
              path: `${base}.changes${suffix(issue.path)}`,
              message: issue.message,
            })),
          );
      }
    }
    known.set(event.id, {
      id: event.id,
      streamId,
      type: event.type,
      data: { ...(event.data as Record<string, unknown>) },
    });
  });

  if (issues.length > 0) throw new ValidationError(issues);
  if (unknownEvents.length > 0) {
    throw new UnknownReferenceError(
      `correctsEventId names no event of the same deal: ${unknownEvents.join(", ")}`,
      {
        unknownEvents,
      },
    );
  }
}

function needsDeal(event: Identified): boolean {
  return event.type === "DealAmended" || event.type === "DealCorrected";
}

function suffix(path: string | readonly PropertyKey[]): string {
  const text = typeof path === "string" ? path : path.map(String).join(".");
  return text ? `.${text}` : "";
}
