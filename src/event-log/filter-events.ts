import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { type DomainEvent, partiesOf } from "../events/index.js";
import type { LogPosition } from "./cursor.js";
import { readAll } from "./read-all.js";
import type { StoredEvent } from "./stored-event.js";

export interface EventFilter {
  readonly types?: readonly string[];
  /** Any party of the event; a lifecycle event matches its deal's parties. */
  readonly companies?: readonly string[];
}

export interface FilteredPage {
  readonly events: StoredEvent[];
  /** Where the next page starts: the last event scanned, matching or not, else `after`. */
  readonly next: LogPosition;
  readonly end: boolean;
}

/** Bounds the work of one request when a filter matches little. */
const MAX_SCANNED = 10_000;
const SCAN_PAGE = 1000;

/** One page of the log in delivery order, filtered, through the one gap-free read path. */
export async function filterEvents(
  db: Kysely<Database>,
  logId: string,
  options: EventFilter & { after: LogPosition; limit: number },
): Promise<FilteredPage> {
  const filtering = Boolean(options.types?.length || options.companies?.length);
  const matches = createMatcher(db, options);
  const events: StoredEvent[] = [];
  let next = options.after;
  let scanned = 0;
  for (;;) {
    const batchSize = filtering ? SCAN_PAGE : options.limit - events.length;
    const page = await readAll(db, logId, { after: next, limit: batchSize });
    const keep = await matches(page.events);
    for (const [index, event] of page.events.entries()) {
      next = event.at;
      if (keep[index]) events.push(event);
      if (events.length === options.limit) {
        return { events, next, end: page.end && index === page.events.length - 1 };
      }
    }
    scanned += page.events.length;
    if (page.end) return { events, next, end: true };
    if (scanned >= MAX_SCANNED) return { events, next, end: false };
  }
}

function createMatcher(db: Kysely<Database>, filter: EventFilter) {
  const types = filter.types?.length ? new Set(filter.types) : undefined;
  const companies = filter.companies?.length ? new Set(filter.companies) : undefined;
  return async (events: readonly StoredEvent[]): Promise<boolean[]> => {
    const typed = events.map((event) => !types || types.has(event.type));
    if (!companies) return typed;
    const dealParties = await lifecycleParties(
      db,
      events.filter((event, i) => typed[i] && isLifecycle(event)).map((event) => event.streamId),
    );
    return events.map((event, i) => {
      if (!typed[i]) return false;
      const parties = isLifecycle(event)
        ? (dealParties.get(event.streamId) ?? [])
        : partiesOf(asDomainEvent(event));
      return parties.some((party) => companies.has(party));
    });
  };
}

function isLifecycle(event: StoredEvent): boolean {
  return event.type.startsWith("Deal");
}

/** The parties of each deal, from its opening event (immutable, so any read sees the same answer). */
export async function lifecycleParties(
  db: Kysely<Database>,
  streams: string[],
): Promise<Map<string, string[]>> {
  const unique = [...new Set(streams)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom("events")
    .select(["stream_id", "type", "data"])
    .where("stream_id", "in", unique)
    .where("stream_version", "=", 1)
    .execute();
  return new Map(
    rows.map((row) => [row.stream_id, partiesOf({ type: row.type, data: row.data } as DomainEvent)]),
  );
}

function asDomainEvent(event: StoredEvent): DomainEvent {
  return { type: event.type, data: event.data } as DomainEvent;
}
