import type { MiddlewareHandler } from "hono";
import { problem } from "./problem.js";
import { requestHeader } from "./request-header.js";
import type { Scope, TokenIdentity, TokenRegistry } from "./tokens.js";

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

/** Requires `Authorization: Bearer <token>` with `scope`: 401 when missing, malformed or unknown, 403 when lacking the scope. */
export function requireScope(
  tokens: TokenRegistry,
  scope: Scope,
): MiddlewareHandler<{ Variables: { identity: TokenIdentity } }> {
  return async function authorize(c, next) {
    const header = requestHeader(c, "authorization");
    const match = header ? BEARER.exec(header) : null;
    if (!match) {
      c.header("WWW-Authenticate", 'Bearer realm="stackledger"');
      return problem(
        c,
        401,
        "unauthorized",
        header ? "The Authorization header is not a bearer token" : "A bearer token is required",
      );
    }
    const identity = await tokens.lookup(match[1] as string);
    if (!identity) {
      c.header("WWW-Authenticate", 'Bearer realm="stackledger", error="invalid_token"');
      return problem(c, 401, "unauthorized", "Unknown token");
    }
    if (!identity.scopes.includes(scope))
      return problem(c, 403, "forbidden", `The token lacks the "${scope}" scope`);
    c.set("identity", identity);
    await next();
  };
}
