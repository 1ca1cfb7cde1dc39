import type { Context } from "hono";
import { appendEvents } from "../event-log/append-events.js";
import type { AppDeps, AppEnv } from "./deps.js";
import { parseAppendBody } from "./parse-append-body.js";
import { validationProblem } from "./problem.js";
import { readJsonBody } from "./read-json-body.js";

/**
 * The append request of both routes (POST /v1/events, POST /v1/streams/{id}/events): body, catalog,
 * append, wake-up, then 201 (200 for an identical replay). `streamId` binds every event to that stream.
 */
export async function handleAppend(c: Context<AppEnv>, deps: AppDeps, streamId?: string): Promise<Response> {
  const body = await readJsonBody(c, deps.maxBodyBytes);
  if (!body.success) return validationProblem(c, body.issues, "Malformed JSON");
  const parsed = parseAppendBody(body.value, streamId);
  if (!parsed.success) return validationProblem(c, parsed.issues);
  const result = await appendEvents(deps.db, parsed.events, {
    logId: deps.logId,
    actor: c.get("identity").name,
    requestId: c.get("requestId"),
    bare: parsed.bare,
  });
  if (!result.replayed) deps.onAppended?.(result.events.length);
  return c.json({ events: result.events, cursor: result.cursor }, result.replayed ? 200 : 201);
}
