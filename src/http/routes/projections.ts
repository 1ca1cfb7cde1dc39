import { Hono } from "hono";
import { sql } from "kysely";
import { encodeCursor } from "../../event-log/cursor.js";
import { EventLogError } from "../../event-log/errors.js";
import type { ProjectionDefinition } from "../../projector/definition.js";
import { requestRebuild } from "../../projector/request-rebuild.js";
import { requireScope } from "../auth.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { requireJsonBody } from "../require-json-body.js";

interface BuildRow {
  name: string;
  build: number;
  version: number;
  status: string;
  cursor_xid: string;
  cursor_position: string | number;
  events_done: string | number;
  events_total: string | number;
  events_per_second: number | null;
  error: unknown;
  live_build: number | null;
  last_rebuild: unknown;
  rebuild_requested: boolean | null;
}

/** GET /v1/projections (status, lag, rebuild progress) and the admin rebuild requests. */
export function projectionRoutes(deps: AppDeps & { projections: readonly ProjectionDefinition<unknown>[] }) {
  const app = new Hono<AppEnv>();
  const names = deps.projections.map((p) => p.name);

  app.get("/", async (c) => c.json(await projectionStatus(deps, names)));

  const request = async (requested: string[]) => {
    await requestRebuild(deps.db, requested);
    const status = await projectionStatus(deps, requested);
    // The active runner (in whichever process) picks the request up; until then the old build serves.
    return status.map((entry) => ({ ...entry, status: "rebuilding" }));
  };

  app.post("/rebuild", requireScope(deps.tokens, "admin"), requireJsonBody(), async (c) =>
    c.json(await request(names), 202),
  );
  app.post("/:name/rebuild", requireScope(deps.tokens, "admin"), requireJsonBody(), async (c) => {
    const name = c.req.param("name");
    if (!names.includes(name)) throw new EventLogError(404, "not-found", `No projection named ${name}`);
    return c.json(await request([name]), 202);
  });

  return app;
}

async function projectionStatus(deps: AppDeps, names: string[]) {
  const result = await sql<BuildRow>`
    select b.name, b.build, b.version, b.status, b.cursor_xid::text as cursor_xid, b.cursor_position,
           b.events_done, b.events_total, b.events_per_second, b.error,
           p.live_build, p.last_rebuild, p.rebuild_requested
      from projection_builds b
      left join projections p on p.name = b.name
     where b.name = any(${names}::text[])
       and (b.build = p.live_build or b.status = 'building' or (b.status = 'failed' and b.build > coalesce(p.live_build, 0)))
     order by b.name, b.build`.execute(deps.db);
  const lag = await sql<{ name: string; events: string; seconds: number | null }>`
    select p.name, count(e.position) as events,
           extract(epoch from now() - min(e.recorded_at))::float8 as seconds
      from projections p
      join projection_builds b on b.name = p.name and b.build = p.live_build
      left join events e on (e.xid, e.position) > (b.cursor_xid, b.cursor_position)
     where p.name = any(${names}::text[])
     group by p.name`.execute(deps.db);
  const lagByName = new Map(lag.rows.map((row) => [row.name, row]));
  // Readers of a replica see each view as of the replica's replay: how far behind that is.
  const replicaLag = deps.replica ? await deps.replica.lag() : undefined;
  const replica = deps.replica
    ? {
        replica: {
          state: deps.replica.state(),
          lagSeconds: replicaLag?.seconds ?? null,
          lagBytes: replicaLag?.bytes ?? null,
        },
      }
    : {};

  return names.map((name) => {
    const builds = result.rows.filter((row) => row.name === name);
    const live = builds.find((row) => row.build === row.live_build);
    const building = builds.find((row) => row.status === "building");
    const failed = builds.findLast((row) => row.status === "failed");
    const lagRow = lagByName.get(name);
    const status =
      building || live?.rebuild_requested || (!live && !failed) ? "rebuilding" : failed ? "failed" : "live";
    const done = Number(building?.events_done ?? 0);
    const total = Number(building?.events_total ?? 0);
    const rate = building?.events_per_second ?? 0;
    return {
      name,
      version: live?.version ?? building?.version ?? failed?.version ?? null,
      status,
      cursor: live
        ? encodeCursor(deps.logId, { xid: live.cursor_xid, position: Number(live.cursor_position) })
        : null,
      lagEvents: Number(lagRow?.events ?? 0),
      lagSeconds: Math.max(0, Number(lagRow?.seconds ?? 0)),
      ...(building
        ? {
            rebuild: {
              done,
              total,
              eventsPerSecond: Math.round(rate),
              etaSeconds: rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : null,
            },
          }
        : {}),
      ...(live?.last_rebuild ? { lastRebuild: live.last_rebuild } : {}),
      ...(failed ? { error: failed.error } : {}),
      ...replica,
    };
  });
}
