import { Hono } from "hono";
import { sql } from "kysely";
import type { AppDeps, AppEnv } from "../deps.js";
import type { Gauge, Metrics } from "../metrics.js";

/** GET /metrics: Prometheus text — request rates and latencies, appends, projection lag, subscribers, horizon age. */
export function metricsRoutes(deps: AppDeps & { metrics: Metrics }) {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    const lag = await sql<{ name: string; events: string; seconds: number | null }>`
      select p.name, count(e.position) as events, extract(epoch from now() - min(e.recorded_at))::float8 as seconds
        from projections p
        join projection_builds b on b.name = p.name and b.build = p.live_build
        left join events e on (e.xid, e.position) > (b.cursor_xid, b.cursor_position)
       group by p.name`.execute(deps.db);
    // The oldest open write transaction holds the read horizon back for every reader of the log.
    const horizon = await sql<{ seconds: number | null }>`
      select coalesce(max(extract(epoch from now() - xact_start)), 0)::float8 as seconds
        from pg_stat_activity where backend_xid is not null`.execute(deps.db);
    const feed = deps.feed;
    const replicaLag = await deps.replica?.lag();
    const replica: Record<string, Gauge> = deps.replica
      ? {
          stackledger_replica_lag_seconds: {
            help: "How far the read replica's replay is behind (0 when it has replayed all it received).",
            samples: replicaLag ? [["", replicaLag.seconds] as [string, number]] : [],
          },
          stackledger_replica_lag_bytes: {
            help: "WAL the read replica has received but not replayed yet.",
            samples: replicaLag ? [["", replicaLag.bytes] as [string, number]] : [],
          },
          stackledger_replica_fallback: {
            help: "1 while the replica is unreachable and reads go to the primary.",
            samples: [["", deps.replica.state() === "fallback" ? 1 : 0] as [string, number]],
          },
        }
      : {};
    const pool = deps.poolStats?.();
    const poolGauges: Record<string, Gauge> = pool
      ? {
          stackledger_db_pool_connections: {
            help: "Connections of this process's PostgreSQL pool, by state.",
            samples: [
              ['state="idle"', pool.idle],
              ['state="busy"', pool.total - pool.idle],
            ],
          },
          stackledger_db_pool_waiting: {
            help: "Requests of this process waiting for a pool connection (sustained > 0: the pool is too small).",
            samples: [["", pool.waiting]],
          },
        }
      : {};
    const body = deps.metrics.render({
      ...replica,
      ...poolGauges,
      stackledger_projection_lag_events: {
        help: "Events in the log that a projection has not applied yet.",
        samples: lag.rows.map((row) => [`projection="${row.name}"`, Number(row.events)]),
      },
      stackledger_projection_lag_seconds: {
        help: "Age of the oldest event a projection has not applied yet.",
        samples: lag.rows.map((row) => [`projection="${row.name}"`, Math.max(0, row.seconds ?? 0)]),
      },
      stackledger_feed_subscribers: {
        help: "SSE subscribers connected to this process.",
        samples: [["", feed?.subscribers.size ?? 0]],
      },
      stackledger_read_horizon_age_seconds: {
        help: "Age of the oldest open write transaction in the cluster (it delays what readers can see).",
        samples: [["", Math.max(0, horizon.rows[0]?.seconds ?? 0)]],
      },
    });
    return c.text(body, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}
