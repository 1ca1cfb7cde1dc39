import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { problem } from "./problem.js";
import { requestHeader } from "./request-header.js";

/** The media types a write accepts (parameters such as `; charset=utf-8` allowed). */
export const ACCEPTED_MEDIA_TYPES = ["application/json", "application/*+json"] as const;

const JSON_MEDIA_TYPE = /^application\/(?:json|[!#$%&'*.^_`|~0-9a-z-]+\+json)$/;

/** True when `contentType` is `application/json` or `application/<x>+json`, with or without parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return JSON_MEDIA_TYPE.test(essence);
}

/**
 * 415 for a write whose body is present and not JSON. Browsers send `text/plain` (and form types) across
 * origins without a CORS preflight, so an API that parsed them as JSON could be written to by any page a
 * token holder visits; refusing them makes the preflight, and so CORS, the gate. Runs after the credential
 * check and before the body is read (api.md: 401/403 → 415 → 413 → 400). A write without a body (a rebuild
 * request) passes: there is nothing to interpret.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async function jsonBodyOnly(c, next) {
    if (hasBody(c)) {
      const contentType = requestHeader(c, "content-type");
      if (!isJsonMediaType(contentType)) {
        c.header("Accept-Post", ACCEPTED_MEDIA_TYPES.join(", "));
        return problem(
          c,
          415,
          "unsupported-media-type",
          contentType === undefined
            ? `The Content-Type header is missing; send the body as ${ACCEPTED_MEDIA_TYPES.join(" or ")}`
            : `The Content-Type header is ${JSON.stringify(contentType)}; send the body as ${ACCEPTED_MEDIA_TYPES.join(" or ")}`,
          { title: "Unsupported Media Type", header: "Content-Type", accepted: [...ACCEPTED_MEDIA_TYPES] },
        );
      }
    }
    await next();
  };
}

/** A body is present when announced (a non-zero Content-Length, or chunked); Web requests (tests) carry it. */
function hasBody(c: Context): boolean {
  const length = requestHeader(c, "content-length");
  if (length !== undefined) return Number(length) !== 0;
  if (requestHeader(c, "transfer-encoding") !== undefined) return true;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming ? false : c.req.raw.body !== null;
}
