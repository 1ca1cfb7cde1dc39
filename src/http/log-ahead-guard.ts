import type { MiddlewareHandler } from "hono";
import { describeLogState, type LogHorizonWatch } from "../event-log/watch-log-horizon.js";
import type { AppEnv } from "./deps.js";
import { problem } from "./problem.js";

/** What reads or writes the log: appends, the log, streams, views (and timelines), the feeds. */
const GUARDED = /^\/v1\/(events|streams|views|companies|feed)(\/|$)/;

const LOG_STATE_RETRY_SECONDS = 30;

export const LOG_REMEDIES = [
  "stackledger repair (against this database: rewrites the stored ids below the horizon, keeps the delivery order, new log id, rebuilds the projections)",
  "stackledger export (from the source database) then stackledger import (into an empty database)",
] as const;

/**
 * Refuses appends and reads with 503 while the log is ahead of its cluster (a logical restore), or after
 * the database's log was replaced under this process. Reads the watch's cached state only: the check
 * itself runs at start, on `/ready` and at most every few seconds (see watch-log-horizon).
 */
export function logAheadGuard(watch: LogHorizonWatch): MiddlewareHandler<AppEnv> {
  return async function logAheadGuardHandler(c, next) {
    if (!GUARDED.test(c.req.path)) return next();
    const state = watch.current();
    if (state.status === "ok") return next();
    // Not a blip: an operator has to act, so clients need not ask every second.
    if (state.status === "replaced") {
      return problem(
        c,
        503,
        "log-replaced",
        describeLogState(state),
        { logId: state.horizon.logId.slice(0, 12) },
        LOG_STATE_RETRY_SECONDS,
      );
    }
    return problem(
      c,
      503,
      "log-ahead-of-cluster",
      describeLogState(state),
      {
        highestStoredXid: state.horizon.highestXid,
        clusterNextXid: state.horizon.nextXid,
        remedies: LOG_REMEDIES,
      },
      LOG_STATE_RETRY_SECONDS,
    );
  };
}
