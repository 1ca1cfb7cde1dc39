import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { LogPosition } from "../event-log/cursor.js";
import { lifecycleParties } from "../event-log/filter-events.js";
import { readAll } from "../event-log/read-all.js";
import { toEnvelope } from "../event-log/stored-event.js";
import { type DomainEvent, isLifecycleEventType, partiesOf } from "../events/index.js";
import { type FeedEntry, sseFrame } from "./feed-entry.js";
import { readViewChanges } from "./read-view-changes.js";

/** A sequence the feed can follow: read a page after a cursor, as ready-to-send entries. */
export interface FeedSource {
  readonly kind: "event" | "change";
  /** The NOTIFY channel that wakes readers of this sequence. */
  readonly channel: string;
  read(after: LogPosition, limit: number): Promise<{ entries: FeedEntry[]; end: boolean }>;
}

/** The event log: frames carry the envelope; lifecycle events carry their deal's parties for filters. */
export function eventSource(db: Kysely<Database>, logId: string): FeedSource {
  // Deal parties never change once the deal is opened (corrections that move a party are rare and
  // are then matched by their own ids), so a process-wide cache is safe; it is bounded by eviction.
  const parties = new Map<string, string[]>();
  return {
    kind: "event",
    channel: "events",
    async read(after, limit) {
      const page = await readAll(db, logId, { after, limit });
      const missing = page.events
        .filter((event) => isLifecycleEventType(event.type) && !parties.has(event.streamId))
        .map((event) => event.streamId);
      if (missing.length > 0)
        for (const [stream, ids] of await lifecycleParties(db, missing)) parties.set(stream, ids);
      const entries = page.events.map((event): FeedEntry => {
        let eventParties: string[];
        if (isLifecycleEventType(event.type)) {
          eventParties = [
            ...new Set([
              ...(parties.get(event.streamId) ?? []),
              ...partiesOf(event as unknown as DomainEvent),
            ]),
          ];
        } else {
          eventParties = partiesOf(event as unknown as DomainEvent);
          if (event.streamId.startsWith("deal-") && event.streamVersion === 1)
            parties.set(event.streamId, eventParties);
        }
        return {
          at: event.at,
          cursor: event.cursor,
          frame: sseFrame(event.cursor, event.type, toEnvelope(event)),
          type: event.type,
          streamId: event.streamId,
          parties: eventParties,
        };
      });
      if (parties.size > 200_000) parties.clear();
      return { entries, end: page.end };
    },
  };
}

/** The projections' change records: `event: change`, one frame per batch of changes. */
export function changeSource(db: Kysely<Database>, logId: string): FeedSource {
  return {
    kind: "change",
    channel: "view_changes",
    async read(after, limit) {
      const page = await readViewChanges(db, logId, { after, limit });
      const entries = page.records.map(
        (record): FeedEntry => ({
          at: record.at,
          cursor: record.cursor,
          frame: sseFrame(record.cursor, "change", {
            projection: record.projection,
            version: record.version,
            cursor: record.eventCursor,
            asOf: record.asOf,
            changes: record.changes,
          }),
          type: "change",
          projection: record.projection,
        }),
      );
      return { entries, end: page.end };
    },
  };
}
