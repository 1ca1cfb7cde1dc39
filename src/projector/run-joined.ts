import { compareLogPositions, encodeCursor, type LogPosition } from "../event-log/cursor.js";
import { abandonStaleBuilds, advanceCheckpoint, readLiveBuild } from "./build-store.js";
import type { ProjectionDefinition, ReadModelRow, ViewChange } from "./definition.js";
import type { FoldHost } from "./fold-host.js";
import {
  differs,
  diffRows,
  type KeptRows,
  keepRows,
  keptRow,
  loadRows,
  type RowDiff,
  type StoredRow,
  toRowSet,
  writeDiff,
} from "./read-model-table.js";
import {
  describeDiff,
  type FoldSource,
  failedBuildOfVersion,
  type Live,
  LostLeaseError,
  type RunnerContext,
  rebuild,
  stopRunner,
  utcDay,
  wholeView,
} from "./run-projection.js";

/** What a member computed and has not committed yet: one transaction's worth. */
interface Pending {
  readonly upserts: Map<string, StoredRow>;
  readonly deletes: Set<string>;
  readonly records: { cursor: LogPosition; asOf: string; changes: ViewChange[] }[];
  to: LogPosition;
  asOf: string;
  events: number;
}

/** A live build reading the host's state: its rows as of the cursor they were computed at. */
interface Member {
  readonly build: number;
  readonly table: string;
  /** The build's checkpoint as committed. */
  committed: LogPosition;
  /** What it keeps of its rows with every pending change applied, computed at `computedAt` for `asOf`. */
  rows: KeptRows;
  computedAt: LogPosition;
  asOf: string;
  /** Host events folded at `computedAt` (undefined before the first computation after joining). */
  events: number | undefined;
  /** The `changesSince` mark of `rows` (undefined: the next computation is the whole view). */
  mark: unknown;
  synced: boolean;
  pending: Pending | undefined;
}

/**
 * The runner of a projection the process's fold host serves (docs/projections.md §6.11): instead of
 * folding its own state it computes its rows from the host's whenever the host advances, and commits them
 * with its checkpoint; it keeps its own lease, build, table and change records. A requested rebuild still
 * folds privately from the start (the others go on meanwhile), then joins again.
 */
export async function runJoined<S>(
  definition: ProjectionDefinition<S>,
  context: RunnerContext,
  host: FoldHost,
  select: (shared: unknown) => S,
): Promise<void> {
  let member: Member | undefined;
  let leave = () => {};
  const fromHost: FoldSource<S> = async () => {
    await host.catchUp();
    return () => {
      const folded = host.folded!;
      return { state: select(folded.state), cursor: folded.cursor, events: folded.events };
    };
  };
  const enter = (live: Live<S> | undefined) => {
    leave();
    member = live && {
      build: live.build,
      table: live.table,
      committed: live.folded.cursor,
      rows: live.rows,
      computedAt: live.folded.cursor,
      asOf: live.asOf,
      events: undefined,
      mark: live.mark,
      synced: live.mark !== undefined,
      pending: undefined,
    };
    if (member) {
      const joined = member;
      leave = host.join({
        advanced: () => compute(definition, context, host, select, joined),
        committed: () => joined.committed,
      });
    } else leave = () => {};
  };

  try {
    // A member with nothing committed until `enter` replaces it: the host's snapshot waits for this runner's
    // build to be live (its table written) or its live build to commit up to the host.
    leave = host.join({ advanced: () => {}, committed: () => undefined });
    const abandoned = await abandonStaleBuilds(context.db, definition.name);
    if (abandoned > 0)
      context.log(
        `projection ${definition.name}: ${abandoned} unfinished build(s) of a stopped runner retired`,
      );
    enter(await resume(definition, context, fromHost));
    while (!context.stopped() && context.lease.held()) {
      const current = await readLiveBuild(context.db, definition.name);
      if (current?.rebuildRequested) {
        // Commit what was computed first: the rebuild's change record is the difference from the table.
        if (member) await commit(definition, context, member);
        const previous = member ? toLive(member) : undefined;
        leave();
        enter(await rebuild(definition, context, previous as Live<S> | undefined));
        continue;
      }
      if (!member || current?.status === "failed") {
        leave();
        member = undefined;
        await context.idle();
        continue;
      }
      await host.catchUp();
      compute(definition, context, host, select, member);
      const progressed = await commit(definition, context, member);
      if (!progressed) await context.idle();
    }
  } catch (error) {
    await stopRunner(definition as ProjectionDefinition<unknown>, context, member?.build, error);
  } finally {
    leave();
  }
}

/** The live build with its rows from the table, or a new build from the host's state. */
async function resume<S>(
  definition: ProjectionDefinition<S>,
  context: RunnerContext,
  fromHost: FoldSource<S>,
): Promise<Live<S> | undefined> {
  const current = await readLiveBuild(context.db, definition.name);
  if (current?.status === "failed") return undefined;
  if (!current || current.version !== definition.version) {
    if (await failedBuildOfVersion(context.db, definition)) return undefined;
    return rebuild(definition, context, undefined, fromHost);
  }
  const rows = await loadRows(context.db, current.table, definition.briefSql);
  const folded = { state: undefined as S, cursor: current.cursor, events: 0 };
  return { build: current.build, table: current.table, folded, rows, asOf: current.asOf ?? "" };
}

function toLive(member: Member): Live<unknown> {
  return {
    build: member.build,
    table: member.table,
    folded: { state: undefined, cursor: member.committed, events: 0 },
    rows: member.rows,
    asOf: member.asOf,
  };
}

/**
 * The member's rows from the host's state as it is at this moment, turned into a pending change (nothing
 * when the host has not reached the member's rows, or nothing moved). Synchronous: the state cannot move.
 */
function compute<S>(
  definition: ProjectionDefinition<S>,
  context: RunnerContext,
  host: FoldHost,
  select: (shared: unknown) => S,
  member: Member,
): void {
  const folded = host.folded;
  if (!folded) return;
  const order = compareLogPositions(folded.cursor, member.computedAt);
  // A build committed by another process beyond what this host has folded: wait for the host.
  if (order < 0) return;
  const today = utcDay(context.clock());
  if (order === 0 && member.synced && today === member.asOf) return;
  const state = select(folded.state);
  let diff: RowDiff;
  let after: KeptRows | undefined;
  // Rows resumed from the table are from the member's checkpoint: if the host's state started at or before
  // it (a restart from an older snapshot), the mark of that start covers every change since the rows.
  const origin = host.origin;
  const since = member.synced
    ? member.mark
    : origin && compareLogPositions(origin.cursor, member.computedAt) <= 0
      ? origin.marks.get(definition.name)
      : undefined;
  const answer =
    (member.synced || since !== undefined) && today === member.asOf && definition.changesSince
      ? definition.changesSince(state, today, since)
      : undefined;
  if (!member.synced && answer && !answer.full)
    context.log(
      `projection ${definition.name}: resumed from the fold's start (${answer.rows.length} rows recomputed, not the whole view)`,
    );
  if (answer && !answer.full) {
    diff = partialDiff(member.rows, answer.rows, answer.deletes);
    member.mark = answer.mark;
  } else {
    const whole = answer ?? wholeView(definition, state, today);
    const rows = toRowSet(whole.rows);
    diff = diffRows(member.rows, rows);
    after = keepRows(rows);
    member.mark = whole.mark;
  }
  const changes = describeDiff(definition, member.rows, diff);
  if (after) member.rows = after;
  else {
    for (const key of diff.deletes) member.rows.delete(key);
    for (const [key, row] of diff.upserts) member.rows.set(key, keptRow(row));
  }
  member.pending ??= {
    upserts: new Map(),
    deletes: new Set(),
    records: [],
    to: member.committed,
    asOf: today,
    events: 0,
  };
  const pending: Pending = member.pending;
  for (const key of diff.deletes) {
    pending.upserts.delete(key);
    pending.deletes.add(key);
  }
  for (const [key, row] of diff.upserts) {
    pending.deletes.delete(key);
    pending.upserts.set(key, row);
  }
  if (changes.length > 0) pending.records.push({ cursor: folded.cursor, asOf: today, changes });
  pending.to = folded.cursor;
  pending.asOf = today;
  pending.events += member.events === undefined ? 0 : folded.events - member.events;
  member.events = folded.events;
  member.computedAt = folded.cursor;
  member.asOf = today;
  member.synced = true;
}

/** Rows a step may have changed, compared with the member's: only those that differ are written. */
function partialDiff(before: KeptRows, rows: readonly ReadModelRow[], deletes: readonly string[]): RowDiff {
  const changed = toRowSet(rows);
  const upserts: [string, StoredRow][] = [];
  for (const [key, row] of changed) if (differs(before.get(key), row)) upserts.push([key, row]);
  return { upserts, deletes: deletes.filter((key) => before.has(key) && !changed.has(key)) };
}

/** Writes what the member computed, its change records and its checkpoint in one transaction. */
async function commit<S>(
  definition: ProjectionDefinition<S>,
  context: RunnerContext,
  member: Member,
): Promise<boolean> {
  const pending = member.pending;
  if (!pending) return false;
  member.pending = undefined;
  const from = member.committed;
  await context.db.transaction().execute(async (trx) => {
    await writeDiff(
      trx,
      member.table,
      { upserts: [...pending.upserts], deletes: [...pending.deletes] },
      definition.columns,
    );
    if (pending.records.length > 0) {
      await trx
        .insertInto("view_changes")
        .values(
          pending.records.map((record) => ({
            projection: definition.name,
            version: definition.version,
            cursor: encodeCursor(context.logId, record.cursor),
            as_of: record.asOf,
            changes: JSON.stringify(record.changes),
          })),
        )
        .execute();
    }
    const advanced = await advanceCheckpoint(
      trx,
      definition.name,
      member.build,
      from,
      pending.to,
      pending.asOf,
      pending.events,
    );
    if (!advanced || !context.lease.held()) throw new LostLeaseError();
  });
  member.committed = pending.to;
  if (pending.records.length > 0) context.onChanges?.();
  return true;
}
