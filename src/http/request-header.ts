import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";

/**
 * A request header, from Node's already parsed headers when the request came through @hono/node-server:
 * `c.req.header()` builds a Web `Headers` object from the raw headers first, a cost paid on every
 * request of the append path otherwise. Elsewhere (app.request in tests) it is the same as c.req.header.
 */
export function requestHeader(c: Context, name: Lowercase<string>): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * `X-Request-Id`: the client's when it is a plausible id (as hono/request-id accepts), else a new UUID;
 * set on the context (`requestId`) and echoed on the response.
 */
export function requestId(): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async function requestIdMiddleware(c, next) {
    const given = requestHeader(c, "x-request-id");
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  };
}
