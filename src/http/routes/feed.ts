import type { IncomingMessage, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Hono } from "hono";
import { z } from "zod";
import { decodeCursor, type LogPosition } from "../../event-log/cursor.js";
import { EVENT_TYPES } from "../../events/index.js";
import type { Feed, FeedChannel } from "../../feed/create-feed.js";
import type { FeedEntry } from "../../feed/feed-entry.js";
import { serveSubscriber } from "../../feed/serve-subscriber.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseQuery } from "../parse-query.js";

const csv = z.string().transform((value) => value.split(",").filter(Boolean));
const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a company id");
const EventsFeedQuery = z.strictObject({
  after: z.string().optional(),
  types: csv.pipe(z.array(z.enum(EVENT_TYPES)).max(100)).optional(),
  companies: csv.pipe(z.array(slug).max(100)).optional(),
  streams: csv.pipe(z.array(z.string().regex(/^(company|deal)-[a-z0-9]+(-[a-z0-9]+)*$/)).max(100)).optional(),
});
const ChangesFeedQuery = z.strictObject({
  after: z.string().optional(),
  projections: csv.pipe(z.array(z.string().max(64)).max(20)).optional(),
});

type NodeBindings = { incoming: IncomingMessage; outgoing: ServerResponse };

/** GET /v1/feed/events and GET /v1/feed/changes (Server-Sent Events). */
export function feedRoutes(deps: AppDeps & { feed: Feed }) {
  const app = new Hono<AppEnv & { Bindings: NodeBindings }>();
  const { feed, logId } = deps;

  async function startOf(channel: FeedChannel, lastEventId: string | undefined, after: string | undefined) {
    const token = lastEventId ?? after ?? "now";
    if (token === "now") {
      // The head as of now: read what has committed so far, then start after it.
      await channel.tailer.refresh();
      return channel.tailer.head();
    }
    return decodeCursor(logId, token, lastEventId ? "Last-Event-ID" : "after", channel.source.kind);
  }

  function stream(
    c: { env: NodeBindings; get(key: "requestId"): string },
    channel: FeedChannel,
    start: LogPosition,
    filter?: (entry: FeedEntry) => boolean,
  ) {
    const res = c.env.outgoing;
    feed.subscribers.add(res);
    serveSubscriber(res, {
      logId,
      source: channel.source,
      tailer: channel.tailer,
      start,
      filter,
      timings: feed.timings,
      requestId: c.get("requestId"),
    })
      .catch((error: Error) => {
        const message = `feed subscriber ${c.get("requestId")} failed: ${error.message}`;
        if (deps.logger) deps.logger.warn({ requestId: c.get("requestId") }, message);
        else console.warn(`stackledger: ${message}`);
        res.destroy();
      })
      .finally(() => {
        feed.subscribers.delete(res);
      });
    return RESPONSE_ALREADY_SENT;
  }

  app.get("/events", async (c) => {
    const query = parseQuery(c, EventsFeedQuery);
    const start = await startOf(feed.events, c.req.header("last-event-id"), query.after);
    const types = query.types?.length ? new Set<string>(query.types) : undefined;
    const companies = query.companies?.length ? new Set(query.companies) : undefined;
    const streams = query.streams?.length ? new Set(query.streams) : undefined;
    const filter =
      types || companies || streams
        ? (entry: FeedEntry) =>
            (!types || types.has(entry.type)) &&
            (!streams || streams.has(entry.streamId ?? "")) &&
            (!companies || (entry.parties ?? []).some((party) => companies.has(party)))
        : undefined;
    return stream(c, feed.events, start, filter);
  });

  app.get("/changes", async (c) => {
    const query = parseQuery(c, ChangesFeedQuery);
    const start = await startOf(feed.changes, c.req.header("last-event-id"), query.after);
    const projections = query.projections?.length ? new Set(query.projections) : undefined;
    const filter = projections ? (entry: FeedEntry) => projections.has(entry.projection ?? "") : undefined;
    return stream(c, feed.changes, start, filter);
  });

  return app;
}
