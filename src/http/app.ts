import { Hono } from "hono";
import { dashboardRoutes } from "../dashboard/dashboard-routes.js";
import { createViewReader } from "../projector/view-reader.js";
import { type AppDeps, type AppEnv, pageCacheBytes } from "./deps.js";
import { logAheadGuard } from "./log-ahead-guard.js";
import { createMetrics } from "./metrics.js";
import { errorToProblem, problem } from "./problem.js";
import { requestId } from "./request-header.js";
import { requestLog } from "./request-log.js";
import { adminRoutes } from "./routes/admin.js";
import { dealRoutes } from "./routes/deals.js";
import { docsRoutes } from "./routes/docs.js";
import { eventRoutes } from "./routes/events.js";
import { feedRoutes } from "./routes/feed.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { projectionRoutes } from "./routes/projections.js";
import { streamRoutes } from "./routes/streams.js";
import { COMPANY_INDEX, timelineRoutes } from "./routes/timeline.js";
import { viewRoutes } from "./routes/views.js";

/** Builds the HTTP API. Everything it needs comes in through `deps`. */
export function createApp(appDeps: AppDeps) {
  const metrics = createMetrics();
  const deps: AppDeps = {
    ...appDeps,
    onAppended: (events) => {
      metrics.countAppended(events);
      appDeps.onAppended?.(events);
    },
  };
  const app = new Hono<AppEnv>();
  app.use(requestId());
  if (deps.logger) app.use(requestLog(deps.logger));
  app.use(metrics.middleware);
  app.onError((error, c) => errorToProblem(c, error));
  app.notFound((c) => problem(c, 404, "not-found", `No route for ${c.req.method} ${c.req.path}`));
  if (deps.logHorizon) app.use(logAheadGuard(deps.logHorizon));

  app.route("/", healthRoutes(deps));
  app.route("/", docsRoutes());
  app.route("/", metricsRoutes({ ...deps, metrics }));
  app.route("/v1/events", eventRoutes(deps));
  app.route("/v1/streams", streamRoutes(deps));

  const projections = deps.projections ?? [];
  const views = createViewReader({
    db: deps.readDb ?? deps.db,
    logId: deps.logId,
    projections: [...projections, COMPANY_INDEX],
    host: deps.foldHost,
    pageCacheBytes: pageCacheBytes(deps),
  });
  const clock = deps.clock ?? (() => new Date());
  app.route("/v1/views", viewRoutes({ ...deps, views, clock }));
  app.route("/v1/companies", timelineRoutes({ ...deps, views }));
  app.route("/v1/deals", dealRoutes({ ...deps, views, clock }));
  app.route("/v1/projections", projectionRoutes({ ...deps, projections }));
  if (deps.feed) app.route("/v1/feed", feedRoutes({ ...deps, feed: deps.feed }));
  app.route("/v1/admin", adminRoutes(deps));
  app.route("/", dashboardRoutes({ api: app }));
  return app;
}

export type App = ReturnType<typeof createApp>;
