import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { checkLogHorizon, type LogHorizon } from "./check-log-horizon.js";

/** Why this process must not serve the log, or `ok`. */
export type LogState =
  | { readonly status: "ok" }
  | { readonly status: "ahead"; readonly horizon: LogHorizon }
  /** The database now holds another log id than this process started with (a repair ran): restart. */
  | { readonly status: "replaced"; readonly horizon: LogHorizon };

export interface LogHorizonWatch {
  /** The cached state; starts a background re-check when it is older than `recheckMs` (never waits for it). */
  current(): LogState;
  /** Re-checks now (start-up, `/ready`). A failing query keeps the last state and throws. */
  refresh(): Promise<LogState>;
}

export interface WatchOptions {
  /** The log id this process serves (its cursors carry it). */
  readonly logId: string;
  /** At most one re-check per this many ms from `current()` (default 5000). */
  readonly recheckMs?: number;
  /** Called when the state changes, e.g. to log it. */
  readonly onChange?: (state: LogState) => void;
}

/**
 * The per-process view of `checkLogHorizon`: one indexed max at start and then at most one every few
 * seconds, so that the guard in front of appends and reads costs a property read per request.
 */
export function watchLogHorizon(db: Kysely<Database>, options: WatchOptions): LogHorizonWatch {
  const recheckMs = options.recheckMs ?? 5000;
  let state: LogState = { status: "ok" };
  let checkedAt = 0;
  let running: Promise<LogState> | undefined;

  const refresh = (): Promise<LogState> => {
    running ??= checkLogHorizon(db)
      .then((horizon) => {
        const next: LogState = horizon.ahead
          ? { status: "ahead", horizon }
          : horizon.logId !== options.logId
            ? { status: "replaced", horizon }
            : { status: "ok" };
        if (next.status !== state.status) options.onChange?.(next);
        state = next;
        return state;
      })
      .finally(() => {
        checkedAt = Date.now();
        running = undefined;
      });
    return running;
  };

  return {
    current() {
      if (Date.now() - checkedAt >= recheckMs && !running) {
        // A database outage is the lead's fault path (503 at the request's edge), not a log state.
        refresh().catch(() => {});
      }
      return state;
    },
    refresh,
  };
}

/** The operator's sentence for a state that is not ok (banner, log line, problem detail). */
export function describeLogState(state: LogState): string {
  if (state.status === "ok") return "the log is served normally";
  const { highestXid, nextXid } = state.horizon;
  if (state.status === "replaced") {
    return (
      "the database now holds another log id than this process started with (`stackledger repair` ran, " +
      "or the database was restored): restart this process"
    );
  }
  return (
    `the log is ahead of its cluster: the highest stored transaction id is ${highestXid} but this ` +
    `PostgreSQL cluster's next transaction id is ${nextXid} (a logical copy, pg_dump/pg_restore or logical ` +
    "replication, from another cluster). Its history would read as absent and new appends would sort " +
    "before it, so appends and reads are refused. Remedies: run `stackledger repair` against this " +
    "database (rewrites the ids below the horizon, keeps the order, new log id), or `stackledger export` " +
    "from the source and `stackledger import` into an empty database"
  );
}
