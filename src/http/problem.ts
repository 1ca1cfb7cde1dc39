import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isDatabaseUnavailable } from "../db/database-unavailable.js";
import { DatabaseUnavailableError, EventLogError, type FieldIssue } from "../event-log/errors.js";
import type { Logger } from "../log/logger.js";

const TYPE_BASE = "https://stackledger.dev/problems/";

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: FieldIssue[];
  readonly [key: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  422: "Unprocessable Content",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** What a 503 tells clients to wait before retrying. */
export const RETRY_AFTER_SECONDS = 1;

/** An RFC 9457 problem+json response. */
export function problem(
  c: Context,
  status: number,
  type: string,
  detail: string,
  extra: Record<string, unknown> = {},
  retryAfterSeconds = RETRY_AFTER_SECONDS,
): Response {
  const body: Problem = {
    type: `${TYPE_BASE}${type}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    ...extra,
    instance: c.req.path,
    requestId: c.get("requestId"),
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    // A 503 is temporary here (the database is away, or a restore awaits repair): say when to come back.
    ...(status === 503 ? { "Retry-After": String(retryAfterSeconds) } : {}),
  });
}

/** 400 with every failing field. */
export function validationProblem(
  c: Context,
  errors: FieldIssue[],
  detail = "The request does not match the schema",
) {
  return problem(c, 400, "validation", detail, { errors });
}

/** Maps any thrown error to problem+json; unexpected ones are logged with the request id and hidden. */
export function errorToProblem(c: Context, error: unknown): Response {
  if (error instanceof EventLogError) return problem(c, error.status, error.type, error.message, error.extra);
  if (isDatabaseUnavailable(error)) {
    const unavailable = new DatabaseUnavailableError((error as Error).message);
    return problem(c, 503, unavailable.type, unavailable.message);
  }
  const requestId = c.get("requestId");
  const log = c.get("log") as Logger | undefined;
  if (log) log.error({ requestId, err: error }, "request failed with an unexpected error");
  else console.error(`stackledger: request ${requestId} failed:`, error);
  return problem(c, 500, "internal", "An unexpected error occurred; quote the request id when reporting it");
}
