import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { AppDeps, AppEnv } from "./deps.js";
import { errorToProblem, problem } from "./problem.js";
import { docsRoutes } from "./routes/docs.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { streamRoutes } from "./routes/streams.js";

/** Builds the HTTP API. Everything it needs comes in through `deps`. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.onError((error, c) => errorToProblem(c, error));
  app.notFound((c) => problem(c, 404, "not-found", `No route for ${c.req.method} ${c.req.path}`));

  app.route("/", healthRoutes(deps));
  app.route("/", docsRoutes());
  app.route("/v1/events", eventRoutes(deps));
  app.route("/v1/streams", streamRoutes(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
