import { Hono } from "hono";
import { requireScope } from "../auth.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { problem } from "../problem.js";

/**
 * GET /v1/admin/backup (scope `admin`): the embedded database as a gzipped tarball, consistent while the
 * server keeps serving. `stackledger backup` calls it, because the running server holds the data folder's
 * lock and no other process may open the folder. A PostgreSQL deployment is backed up by the server's own
 * tools instead (501 says so).
 */
export function adminRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get("/backup", requireScope(deps.tokens, "admin"), async (c) => {
    if (!deps.backup) {
      return problem(
        c,
        501,
        "backup-not-supported",
        "This server runs on PostgreSQL: back it up with pg_basebackup (see docs/operations.md)",
      );
    }
    const dump = await deps.backup();
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return c.body(new Uint8Array(dump.tarball), 200, {
      "Content-Type": "application/gzip",
      "Content-Disposition": `attachment; filename="stackledger-${stamp}.tar.gz"`,
      "Stackledger-Backup-Events": String(dump.events),
    });
  });

  return app;
}
