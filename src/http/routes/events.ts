import { Hono } from "hono";
import { z } from "zod";
import { decodeCursor, encodeCursor, START } from "../../event-log/cursor.js";
import { filterEvents } from "../../event-log/filter-events.js";
import { toEnvelope } from "../../event-log/stored-event.js";
import { EVENT_TYPES } from "../../events/index.js";
import { handleAppend } from "../append-handler.js";
import { requireScope } from "../auth.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseQuery } from "../parse-query.js";
import { requireJsonBody } from "../require-json-body.js";

const slug = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const csv = z.string().transform((value) => value.split(",").filter(Boolean));

export const ListEventsQuery = z.strictObject({
  after: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  types: csv.pipe(z.array(z.enum(EVENT_TYPES)).max(100)).optional(),
  companies: csv.pipe(z.array(z.string().regex(slug, "must be a company id")).max(100)).optional(),
});

/** POST /v1/events (append) and GET /v1/events (read the log in delivery order). */
export function eventRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post("/", requireScope(deps.tokens, "append"), requireJsonBody(), (c) => handleAppend(c, deps));

  app.get("/", async (c) => {
    const query = parseQuery(c, ListEventsQuery);
    const after = query.after === undefined ? START : decodeCursor(deps.logId, query.after);
    const page = await filterEvents(deps.readDb ?? deps.db, deps.logId, {
      after,
      limit: query.limit,
      types: query.types,
      companies: query.companies,
    });
    return c.json({
      events: page.events.map(toEnvelope),
      next: encodeCursor(deps.logId, page.next),
      ...(page.end ? { end: true } : {}),
    });
  });

  return app;
}
