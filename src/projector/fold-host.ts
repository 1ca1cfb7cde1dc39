import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { RecordedEvent } from "../domain/event-types.js";
import { compareLogPositions, type LogPosition, START } from "../event-log/cursor.js";
import { type ReadAllResult, readAll } from "../event-log/read-all.js";
import type { ProjectionDefinition } from "./definition.js";
import { applyEvents, type Folded, ReducerError } from "./fold-log.js";
import type { SharedFold } from "./shared-fold.js";
import { loadSnapshot, type SnapshotInProgress } from "./snapshot-store.js";
import type { SnapshotWriter } from "./snapshot-writer.js";

/** Marks of the state as it was when the host loaded it (from a snapshot or empty), before any event. */
export interface FoldOrigin {
  readonly cursor: LogPosition;
  /** Each served projection's `markNow` at that point, by projection name. */
  readonly marks: ReadonlyMap<string, unknown>;
}

/** A runner reading the host's state. */
export interface FoldHostMember {
  /**
   * Called synchronously after each burst the host applied, with the state at `host.folded.cursor`: the
   * member computes what it will commit now, before anything can advance the state further.
   */
  advanced(): void;
  /**
   * Where the member's commits have reached (undefined: its first rows are not written yet). The host offers
   * its snapshot once every member's have reached where the fold was when it became due: a snapshot's
   * serialization (seconds of CPU at a million events) then never competes with the members' first whole
   * views and table writes after a catch-up of the whole log. Without it, the member never holds a snapshot.
   */
  committed?(): LogPosition | undefined;
}

/**
 * One fold of the log for every projection of a process that reads the same state (docs/projections.md
 * §6.11): the host applies each page once, then lets its members compute their rows from the state it has
 * reached; each member commits its own checkpoint, table and change records at its own pace.
 */
export interface FoldHost {
  readonly shared: SharedFold;
  /** The state and where it is; undefined until the first catch-up loaded it. */
  readonly folded: Folded<unknown> | undefined;
  /** Where the state started in this process, with the projections' marks of it (undefined before). */
  readonly origin: FoldOrigin | undefined;
  /**
   * Folds what is readable now (starting from the newest snapshot on first use), telling the members after
   * each burst. Resolves after a read that started after the call; calls while one runs share the next one.
   * Throws the ReducerError that stopped the fold (for good: the state is not trusted past it).
   */
  catchUp(): Promise<void>;
  /**
   * Offers the snapshot held back for members that had not committed, by one more catch-up, once they have
   * left (a stopping projector): a graceful stop right after the builds does not lose it.
   */
  flush(): Promise<void>;
  /** Adds a member; the returned function removes it. */
  join(member: FoldHostMember): () => void;
}

export interface FoldHostDeps {
  readonly db: Kysely<Database>;
  readonly logId: string;
  readonly shared: SharedFold;
  /** The projections the host serves, for their `markNow` at its origin. */
  readonly definitions?: readonly ProjectionDefinition<unknown>[];
  readonly snapshots?: SnapshotWriter;
  readonly log?: (message: string) => void;
  /** Events applied before the members are told (bounds one step's work and a crash's re-apply). */
  readonly burst?: number;
  /** Events per read (5000). */
  readonly pageSize?: number;
}

const PAGE = 5000;

export function createFoldHost(deps: FoldHostDeps): FoldHost {
  const { db, logId, shared } = deps;
  const burst = deps.burst ?? 50_000;
  const pageSize = deps.pageSize ?? PAGE;
  const members = new Set<FoldHostMember>();
  let folded: Folded<unknown> | undefined;
  let origin: FoldOrigin | undefined;
  let failure: ReducerError | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  // The snapshot being encoded from the state (copy-on-write): every event is touched before it is folded.
  let snapshot: SnapshotInProgress | undefined;
  const touch = (event: RecordedEvent) => snapshot?.touch(event);
  // Where the fold was when a snapshot became due to be offered (undefined: none due).
  let due: LogPosition | undefined;
  const settled = (at: LogPosition) =>
    [...members].every((member) => {
      if (!member.committed) return true;
      const reached = member.committed();
      return reached !== undefined && compareLogPositions(reached, at) >= 0;
    });

  const tell = () => {
    for (const member of [...members]) member.advanced();
  };

  const load = async (): Promise<Folded<unknown>> => {
    const from = await loadSnapshot(db, shared.codec, { log: deps.log });
    if (from)
      deps.log?.(`shared fold (${shared.codec.kind}): starting from the snapshot at ${from.events} events`);
    return from ?? { state: shared.fold.init(), cursor: START, events: 0 };
  };

  // The next page is read while the current one is applied: a catch-up costs about the longer of reading
  // and folding, not their sum. Kept only for the place it was read after.
  let prefetched: { after: LogPosition; page: Promise<ReadAllResult> } | undefined;
  const nextPage = (after: LogPosition) => {
    const ahead = prefetched;
    prefetched = undefined;
    if (ahead && compareLogPositions(ahead.after, after) === 0) return ahead.page;
    ahead?.page.catch(() => {});
    return readAll(db, logId, { after, limit: pageSize });
  };

  const drive = async () => {
    if (failure) throw failure;
    if (!folded) {
      const loaded = await load();
      // Marked before the first event is applied: a member resuming rows committed at or after this point
      // recomputes only what the events from here on touch (docs/projections.md §6.11).
      const marks = new Map<string, unknown>();
      for (const definition of deps.definitions ?? []) {
        const select = shared.select.get(definition.name);
        if (select && definition.markNow)
          marks.set(definition.name, definition.markNow(select(loaded.state)));
      }
      origin = { cursor: loaded.cursor, marks };
      folded = loaded;
    }
    const current = folded;
    let folding = false;
    for (;;) {
      let applied = 0;
      let end = false;
      while (!end && applied < burst) {
        const page = await nextPage(current.cursor);
        const last = page.events.at(-1)?.at;
        if (!page.end && last) {
          prefetched = { after: last, page: readAll(db, logId, { after: last, limit: pageSize }) };
          prefetched.page.catch(() => {});
        }
        try {
          applyEvents(shared.fold, current, page.events, snapshot?.produced === false ? touch : undefined);
        } catch (error) {
          if (error instanceof ReducerError) failure = error;
          throw error;
        }
        applied += page.events.length;
        end = page.end;
      }
      if (applied > 0) {
        folding = true;
        tell();
      }
      if (!end && applied > 0) continue;
      // At the end of what is readable only: a catch-up of the whole log writes one snapshot, not one per
      // interval on the way. (A burst can end on a full page and the next read find nothing: still due.)
      if (folding) due ??= current.cursor;
      // Offered once the members have committed that far: at the end of this catch-up or of a later one
      // (their loops catch up again after each commit), never dropped.
      if (due === undefined || !settled(due)) return;
      due = undefined;
      // The state must not change until the offer resolves (at once for a copy-on-write snapshot, whose
      // records are then taken as the fold goes on, each deal before its next event).
      snapshot = (await deps.snapshots?.offer(shared.codec, current)) ?? snapshot;
      return;
    }
  };

  const catchUp = (): Promise<void> => {
    if (!running) {
      running = drive().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => {})
      .then(() => {
        queued = undefined;
        return catchUp();
      });
    return queued;
  };

  return {
    shared,
    get folded() {
      return folded;
    },
    get origin() {
      return origin;
    },
    catchUp,
    async flush() {
      if (due !== undefined && !failure) await catchUp();
    },
    join(member) {
      members.add(member);
      return () => members.delete(member);
    },
  };
}
