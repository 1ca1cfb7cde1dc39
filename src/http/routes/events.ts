import { Hono } from "hono";
import { z } from "zod";
import { appendEvents } from "../../event-log/append-events.js";
import { decodeCursor, encodeCursor, START } from "../../event-log/cursor.js";
import { filterEvents } from "../../event-log/filter-events.js";
import { toEnvelope } from "../../event-log/stored-event.js";
import { EVENT_TYPES } from "../../events/index.js";
import { requireScope } from "../auth.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseAppendBody } from "../parse-append-body.js";
import { parseQuery } from "../parse-query.js";
import { validationProblem } from "../problem.js";
import { readJsonBody } from "../read-json-body.js";

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

  app.post("/", requireScope(deps.tokens, "append"), async (c) => {
    const body = await readJsonBody(c, deps.maxBodyBytes);
    if (!body.success) return validationProblem(c, body.issues, "Malformed JSON");
    const parsed = parseAppendBody(body.value);
    if (!parsed.success) return validationProblem(c, parsed.issues);
    const result = await appendEvents(deps.db, parsed.events, {
      logId: deps.logId,
      actor: c.get("identity").name,
      requestId: c.get("requestId"),
      bare: parsed.bare,
    });
    if (!result.replayed) deps.onAppended?.(result.events.length);
    return c.json({ events: result.events, cursor: result.cursor }, result.replayed ? 200 : 201);
  });

  app.get("/", async (c) => {
    const query = parseQuery(c, ListEventsQuery);
    const after = query.after === undefined ? START : decodeCursor(deps.logId, query.after);
    const page = await filterEvents(deps.db, deps.logId, {
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
