import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { RecordedEvent } from "../domain/event-types.js";
import { compareLogPositions, type LogPosition, START } from "../event-log/cursor.js";
import { readAll } from "../event-log/read-all.js";
import type { StoredEvent } from "../event-log/stored-event.js";
import type { ProjectionDefinition } from "./definition.js";
import { toRecordedEvent } from "./recorded-event.js";
import type { PageReader } from "./shared-reader.js";

export interface Folded<S> {
  state: S;
  /** The last event read (applied or skipped by type); START for an empty log. */
  cursor: LogPosition;
  /** Events read. */
  events: number;
}

/** Thrown by a reducer: the projection stops at this event. */
export class ReducerError extends Error {
  override name = "ReducerError";
  constructor(
    readonly projection: string,
    readonly eventId: string,
    readonly reason: unknown,
  ) {
    super(`${projection} failed on event ${eventId}: ${(reason as Error)?.message ?? String(reason)}`);
  }
}

/**
 * Applies events to a state in log order, skipping types the projection does not read; `before` sees each
 * event just before it is applied (a snapshot of the state in progress takes what the event will change).
 */
export function applyEvents<S>(
  definition: ProjectionDefinition<S>,
  folded: Folded<S>,
  events: readonly StoredEvent[],
  before?: (event: RecordedEvent) => void,
) {
  const types = new Set(definition.eventTypes);
  for (const event of events) {
    if (types.has(event.type)) {
      const recorded = toRecordedEvent(event);
      before?.(recorded);
      try {
        folded.state = definition.apply(folded.state, recorded);
      } catch (error) {
        throw new ReducerError(definition.name, event.id, error);
      }
    }
    folded.cursor = event.at;
    folded.events += 1;
  }
}

export interface FoldOptions<S> {
  /** Continue from here instead of from scratch. */
  readonly from?: Folded<S>;
  /** Stop after this place (a knowledge point); default: the readable end of the log. */
  readonly until?: LogPosition;
  readonly pageSize?: number;
  readonly onProgress?: (events: number) => void;
  /** Where pages come from (default: a fresh read); the projector shares one reader among its runners. */
  readonly read?: PageReader;
}

/** Folds the log (through the one gap-free read path) into a projection's state, in memory. */
export async function foldLog<S>(
  db: Kysely<Database>,
  logId: string,
  definition: ProjectionDefinition<S>,
  options: FoldOptions<S> = {},
): Promise<Folded<S>> {
  const folded: Folded<S> = options.from ?? { state: definition.init(), cursor: START, events: 0 };
  const pageSize = options.pageSize ?? 5000;
  for (;;) {
    const until = options.until;
    let page = options.read
      ? await options.read(folded.cursor, pageSize)
      : await readAll(db, logId, { after: folded.cursor, limit: pageSize });
    // A shared page may predate later commits: fine for a rebuild (it stops earlier and catches up live),
    // not for a fold that must reach `until` (a runner resuming at its checkpoint after a lost lease).
    const reached = page.events.at(-1)?.at ?? folded.cursor;
    if (options.read && until && page.end && compareLogPositions(reached, until) < 0)
      page = await readAll(db, logId, { after: folded.cursor, limit: pageSize });
    const events = until
      ? page.events.filter((event) => compareLogPositions(event.at, until) <= 0)
      : page.events;
    applyEvents(definition, folded, events);
    options.onProgress?.(folded.events);
    if (page.end || events.length < page.events.length) return folded;
  }
}
