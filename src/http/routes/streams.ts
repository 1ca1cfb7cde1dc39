import { Hono } from "hono";
import { z } from "zod";
import { StreamNotFoundError, ValidationError } from "../../event-log/errors.js";
import { readStream } from "../../event-log/read-stream.js";
import { toEnvelope } from "../../event-log/stored-event.js";
import { handleAppend } from "../append-handler.js";
import { requireScope } from "../auth.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { requireJsonBody } from "../require-json-body.js";

/** Stream ids are `company-{slug}` or `deal-{slug}` (domain.md). */
export const StreamId = z
  .string()
  .regex(/^(company|deal)-[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(69);

function parseStreamId(value: string): string {
  const result = StreamId.safeParse(value);
  if (!result.success) {
    throw new ValidationError([
      { path: "streamId", message: "must be company-{id} or deal-{id} with a kebab-case id" },
    ]);
  }
  return result.data;
}

/** GET /v1/streams/{streamId} and POST /v1/streams/{streamId}/events. */
export function streamRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get("/:streamId", async (c) => {
    const streamId = parseStreamId(c.req.param("streamId"));
    const events = await readStream(deps.readDb ?? deps.db, deps.logId, streamId);
    if (events.length === 0) throw new StreamNotFoundError(streamId);
    return c.json({ streamId, version: events.length, events: events.map(toEnvelope) });
  });

  app.post("/:streamId/events", requireScope(deps.tokens, "append"), requireJsonBody(), (c) =>
    handleAppend(c, deps, parseStreamId(c.req.param("streamId"))),
  );

  return app;
}
