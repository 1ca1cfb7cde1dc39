import { Hono } from "hono";
import { sql } from "kysely";
import { isMigrated } from "../../db/migrate.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { problem } from "../problem.js";

/** GET /health (the process answers) and GET /ready (database reachable, schema current, projections healthy). */
export function healthRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get("/health", (c) => c.json({ status: "ok" }));

  app.get("/ready", async (c) => {
    try {
      await sql`select 1`.execute(deps.db);
      if (!(await isMigrated(deps.db))) return problem(c, 503, "not-ready", "Migrations are pending");
      const reason = await deps.readiness?.();
      if (reason) return problem(c, 503, "not-ready", reason);
      // Reads on the primary while the replica is away: degraded, still serving.
      return c.json({ status: "ready", ...(deps.replica ? { replica: deps.replica.state() } : {}) });
    } catch (error) {
      return problem(c, 503, "not-ready", `Database unreachable: ${(error as Error).message}`);
    }
  });

  return app;
}
