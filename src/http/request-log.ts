import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../log/logger.js";
import type { AppEnv } from "./deps.js";

/**
 * One log line per request: request id, method, route pattern, status, duration and the token's name.
 * Server errors at `error`, the rest at `info` (LOG_LEVEL=warn keeps only the failures).
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now();
    c.set("log", logger);
    await next();
    const status = c.res.status;
    const fields = {
      requestId: c.get("requestId"),
      method: c.req.method,
      route: routePath(c) || "unmatched",
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      actor: c.get("identity")?.name,
    };
    if (status >= 500) logger.error(fields, "request failed");
    else logger.info(fields, "request");
  };
}
