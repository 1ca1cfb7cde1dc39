/** The projections' progress as the bookkeeping tables show it, read by the bench from outside the projector. */
import type pg from "pg";
import { compareLogPositions, type LogPosition } from "../../src/event-log/cursor.js";
import type { ProjectorProcess } from "./projector-process.js";

export interface LiveBuild {
  readonly name: string;
  readonly status: string;
  readonly cursor: LogPosition;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly eventsDone: number;
  readonly table: string;
}

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.Client, "query">;

/** Every projection's live build (projections.live_build joined to projection_builds). */
export async function liveBuilds(db: Queryable): Promise<LiveBuild[]> {
  const { rows } = await db.query<{
    name: string;
    status: string;
    xid: string;
    position: string;
    started_at: Date;
    finished_at: Date | null;
    events_done: string;
    table_name: string;
  }>(
    `select b.name, b.status, b.cursor_xid::text as xid, b.cursor_position as position, b.started_at,
            b.finished_at, b.events_done, b.table_name
       from projections p join projection_builds b on b.name = p.name and b.build = p.live_build`,
  );
  return rows.map((row) => ({
    name: row.name,
    status: row.status,
    cursor: { xid: row.xid, position: Number(row.position) },
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    eventsDone: Number(row.events_done),
    table: row.table_name,
  }));
}

/**
 * The last event of the log in reading order. Ordered by `events.xid`, the column: `order by xid` would sort the
 * text alias, and "999" comes after "1782".
 */
export async function logHead(db: Queryable): Promise<LogPosition> {
  const { rows } = await db.query<{ xid: string; position: string }>(
    "select xid::text as xid, position from events order by events.xid desc, events.position desc limit 1",
  );
  if (!rows[0]) throw new Error("the log is empty");
  return { xid: rows[0].xid, position: Number(rows[0].position) };
}

/**
 * Polls (every `everyMs`) until every one of `names` has a live build whose checkpoint is at `target`;
 * returns those builds. Throws when the projector exits or a build fails; `onSlow` is called every 30 s.
 */
export async function waitUntilLive(
  db: Queryable,
  names: readonly string[],
  target: LogPosition,
  projector: ProjectorProcess,
  { everyMs = 50, onSlow }: { everyMs?: number; onSlow?: (seconds: number) => Promise<void> } = {},
): Promise<LiveBuild[]> {
  const started = performance.now();
  let lastReport = started;
  for (;;) {
    if (!projector.running()) {
      throw new Error(`the projector process exited:\n${projector.output.join("\n")}`);
    }
    const builds = await liveBuilds(db);
    if (builds.some((b) => b.status === "failed")) {
      throw new Error(`a projection failed:\n${projector.output.join("\n")}`);
    }
    const done = names.every((name) =>
      builds.some(
        (b) => b.name === name && b.status === "live" && compareLogPositions(b.cursor, target) >= 0,
      ),
    );
    if (done) return builds;
    if (onSlow && performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      await onSlow((lastReport - started) / 1000);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
