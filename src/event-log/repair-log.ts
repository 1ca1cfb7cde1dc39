import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { postgresPoolOf } from "../db/connect.js";
import type { Database } from "../db/schema.js";
import { checkLogHorizon } from "./check-log-horizon.js";

/** Why `repair` did nothing: there is nothing to repair, or another process is writing the log. */
export class RepairRefusedError extends Error {
  override name = "RepairRefusedError";
}

export interface RepairOptions {
  /** Rows rewritten so far, of the total (events, then view changes). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Rows per UPDATE statement (the progress bar's step). */
  readonly chunk?: number;
  /**
   * When the log is not ahead: only give it a new log id (cursors from before answer 410). For a restore
   * that lost committed events clients had already read (a point-in-time recovery to an earlier time, a
   * failover to an asynchronous standby that was behind): their cursors would otherwise skip new events.
   */
  readonly renewLogId?: boolean;
}

export interface RepairResult {
  readonly events: number;
  readonly viewChanges: number;
  /** Distinct stored xids before (events). */
  readonly xidsBefore: number;
  /** Distinct xids after (events): one per run of increasing positions in delivery order. */
  readonly xidsAfter: number;
  /** Transaction ids burned to make room below the horizon (0 unless the cluster was very young). */
  readonly burned: number;
  readonly highestXidBefore: string;
  readonly clusterNextXid: string;
  readonly oldLogId: string;
  readonly newLogId: string;
  readonly projections: string[];
}

/** The lowest normal transaction id (0–2 are PostgreSQL's invalid, bootstrap and frozen ids). */
const FIRST_XID = 3n;
/** Room kept between the rewritten ids and the cluster's next id. */
const MARGIN = 16n;

/**
 * Repairs a log restored logically into a younger cluster (its stored xids at or above the cluster's next
 * id) in place, in one transaction that holds the log's tables in EXCLUSIVE mode (reads go on; appends and
 * projector writes wait): every stored xid is rewritten below the horizon so that `(xid, position)` gives
 * the same sequence of events as before; `view_changes` likewise (and the event cursors it stores); the
 * projections' checkpoints follow their events; the log gets a new id (every earlier cursor answers 410)
 * and every projection is marked for rebuild.
 *
 * The new ids are as few as the order allows: a run of events whose positions increase in delivery order
 * shares one id (position then orders them), and the next run gets the next id, from 3 up. A log appended
 * by one writer at a time is one run; concurrent appends that committed out of position order add one
 * run each. Only when the runs do not fit below the cluster's next id are ids burned first (rare: a
 * cluster younger than the log's count of out-of-order commits).
 *
 * Refuses (RepairRefusedError) when the log is not ahead, and when another transaction is writing the log
 * (the lock is taken with NOWAIT: an append in flight holds ROW EXCLUSIVE on `events`).
 */
export async function repairLog(db: Kysely<Database>, options: RepairOptions = {}): Promise<RepairResult> {
  const before = await checkLogHorizon(db);
  if (!before.ahead && !options.renewLogId) {
    throw new RepairRefusedError(
      `nothing to repair: the highest stored transaction id (${before.highestXid}) is below this cluster's ` +
        `next transaction id (${before.nextXid}); the log is served as it is (after a restore that lost ` +
        "events clients had read, `stackledger repair --new-log-id` makes their cursors answer 410)",
    );
  }
  let burned = 0;
  if (before.ahead) {
    const runs = await countRuns(db);
    const needed = FIRST_XID + BigInt(runs) + MARGIN;
    burned = BigInt(before.nextXid) < needed ? Number(needed - BigInt(before.nextXid)) : 0;
    if (burned > 0) await burnXids(db, burned);
  }

  const chunk = options.chunk ?? 20_000;
  return db.transaction().execute(async (trx) => {
    try {
      await sql`lock table events, view_changes, projection_builds, projections, log_meta in exclusive mode nowait`.execute(
        trx,
      );
    } catch (error) {
      if ((error as { code?: string }).code !== "55P03") throw error;
      throw new RepairRefusedError(
        "another process is writing the log right now (an append or a projector batch holds a lock on its " +
          "tables): stop the API and projector processes, then run `stackledger repair` again",
      );
    }
    // Re-checked under the locks: a repair that ran meanwhile leaves nothing to do.
    const locked = await checkLogHorizon(trx);
    if (!locked.ahead && before.ahead) {
      throw new RepairRefusedError("nothing to repair: another repair has just run");
    }
    const rewrite = locked.ahead;

    const none = { rows: 0, xidsBefore: 0, xidsAfter: 0 };
    const events = rewrite ? await remap(trx, "events", "sl_repair_events") : none;
    const changes = rewrite ? await remap(trx, "view_changes", "sl_repair_changes") : none;
    if (rewrite) {
      // The room made before the transaction must still suffice (the log cannot have grown since without
      // a writer, which the lock excludes; checked anyway, as rows above the horizon would stay unreadable).
      const { rows } = await sql<{ fits: boolean }>`
        select coalesce((select max(new_xid) from sl_repair_events), '0'::xid8) < pg_current_xact_id()
           and coalesce((select max(new_xid) from sl_repair_changes), '0'::xid8) < pg_current_xact_id() as fits`.execute(
        trx,
      );
      if (!rows[0]?.fits)
        throw new RepairRefusedError("the log changed while the repair prepared: run it again");
    }
    const total = events.rows + changes.rows;
    let done = 0;
    options.onProgress?.(0, total);
    for (const [table, map, count] of [
      ["events", "sl_repair_events", events.rows],
      ["view_changes", "sl_repair_changes", changes.rows],
    ] as const) {
      for (let from = 0; from < count; from += chunk) {
        await sql`update ${sql.table(table)} as t set xid = m.new_xid
                    from ${sql.table(map)} as m
                   where m.rn > ${from} and m.rn <= ${from + chunk} and t.position = m.position`.execute(trx);
        done += Math.min(chunk, count - from);
        options.onProgress?.(done, total);
      }
    }

    const newLogId = randomUUID().replaceAll("-", "");
    // Change records carry the cursor of the event they reflect: re-encoded with the new id and xid.
    await sql`
      update view_changes as v
         set cursor = rtrim(translate(replace(encode(convert_to(
               '1.' || left(${newLogId}, 12) || '.' || e.xid::text || '.' || e.position::text, 'LATIN1'),
               'base64'), E'\n', ''), '+/', '-_'), '=')
        from events as e
       where v.cursor <> 'start'
         and e.position = split_part(convert_from(decode(
               translate(v.cursor, '-_', '+/') || repeat('=', (4 - length(v.cursor) % 4) % 4), 'base64'),
               'LATIN1'), '.', 4)::bigint`.execute(trx);
    // Checkpoints follow their last event, so the live views keep serving (and follow new appends) until
    // the rebuilds asked for below swap in.
    await sql`update projection_builds as b set cursor_xid = e.xid
                from events as e where e.position = b.cursor_position and b.cursor_position > 0`.execute(trx);
    await sql`update log_meta set log_id = ${newLogId}`.execute(trx);
    // State snapshots name their place by the old ids and may reflect the old order: never resume from them.
    if (rewrite) await trx.deleteFrom("state_snapshots").execute();
    // Only a rewrite of the ids needs new builds (a new log id alone changes no order and no state).
    const projections = rewrite
      ? await trx.updateTable("projections").set({ rebuild_requested: true }).returning("name").execute()
      : [];

    return {
      events: events.rows,
      viewChanges: changes.rows,
      xidsBefore: events.xidsBefore,
      xidsAfter: events.xidsAfter,
      burned,
      highestXidBefore: before.highestXid,
      clusterNextXid: before.nextXid,
      oldLogId: before.logId,
      newLogId,
      projections: projections.map((row) => row.name),
    };
  });
}

/** Runs of increasing position in delivery order, the larger of the two tables': the ids the repair needs. */
async function countRuns(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ runs: string }>`
    select greatest((${runsOf("events")}), (${runsOf("view_changes")}))::text as runs`.execute(db);
  return Number(rows[0]?.runs ?? 0);
}

function runsOf(table: "events" | "view_changes") {
  return sql`select coalesce(sum(brk), 0) + 1 from (
      select case when position < lag(position) over (order by xid, position) then 1 else 0 end as brk
        from ${sql.table(table)}) as r`;
}

/**
 * The old → new id of every row of `table`, in a temporary table: new ids from FIRST_XID, one more at each
 * break of increasing position along (xid, position).
 */
async function remap(
  trx: Kysely<Database>,
  table: "events" | "view_changes",
  map: string,
): Promise<{ rows: number; xidsBefore: number; xidsAfter: number }> {
  await sql`
    create temporary table ${sql.table(map)} on commit drop as
    select position, rn, (${FIRST_XID.toString()}::bigint + sum(brk) over (order by rn))::text::xid8 as new_xid,
           xid as old_xid
      from (select position, xid, row_number() over (order by xid, position) as rn,
                   case when position < lag(position) over (order by xid, position) then 1 else 0 end as brk
              from ${sql.table(table)}) as ordered`.execute(trx);
  await sql`create index on ${sql.table(map)} (rn)`.execute(trx);
  const { rows } = await sql<{ rows: string; before: string; after: string }>`
    select count(*)::text as rows, count(distinct old_xid)::text as before, count(distinct new_xid)::text as after
      from ${sql.table(map)}`.execute(trx);
  const row = rows[0];
  return {
    rows: Number(row?.rows ?? 0),
    xidsBefore: Number(row?.before ?? 0),
    xidsAfter: Number(row?.after ?? 0),
  };
}

/**
 * Advances the cluster's transaction counter by `count` ids: short transactions that each take an id. On
 * PostgreSQL a thousand per round trip (explicit BEGIN/COMMIT in one simple-protocol query string).
 */
async function burnXids(db: Kysely<Database>, count: number): Promise<void> {
  const pool = postgresPoolOf(db);
  if (!pool) {
    for (let i = 0; i < count; i += 1) await sql`select pg_current_xact_id()`.execute(db);
    return;
  }
  const client = await pool.connect();
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure = error;
  };
  client.on("error", onError);
  try {
    for (let left = count; left > 0; left -= 1000) {
      await client.query("begin; select pg_current_xact_id(); commit; ".repeat(Math.min(1000, left)));
    }
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    client.off("error", onError);
    client.release(failure);
  }
}
