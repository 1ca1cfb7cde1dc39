import type { Problem } from "./schemas.js";

/** One failing field of a 400, as the server lists it. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Every failure the API answered with problem+json; `problem` is the whole body. */
export class StackledgerError extends Error {
  override name = "StackledgerError";
  readonly status: number;
  /** The problem type's last segment (`validation`, `conflict`, `outcome-unknown`, …). */
  readonly type: string;
  readonly problem: Problem;
  readonly requestId: string | undefined;
  /** The server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(problem: Problem, requestId?: string, retryAfterMs?: number) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type.slice(problem.type.lastIndexOf("/") + 1);
    this.requestId = requestId ?? (typeof problem.requestId === "string" ? problem.requestId : undefined);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 400: the request does not match the schema; `errors` lists every failing path. */
export class ValidationError extends StackledgerError {
  override name = "ValidationError";
  get errors(): readonly FieldIssue[] {
    return this.problem.errors ?? [];
  }
}
/** 400: a cursor that is not one of this API's. */
export class MalformedCursorError extends ValidationError {
  override name = "MalformedCursorError";
}
/** 401 (no or unknown token) or 403 (a token without the scope). */
export class AuthError extends StackledgerError {
  override name = "AuthError";
}
/** 404: no such stream, company, deal, projection or route. */
export class NotFoundError extends StackledgerError {
  override name = "NotFoundError";
}
/** 409: expected version, stream rules, or an event id reused with other content. */
export class ConflictError extends StackledgerError {
  override name = "ConflictError";
}
/** 410: a cursor of another log (another database, a restore): start again from `start`. */
export class CursorGoneError extends StackledgerError {
  override name = "CursorGoneError";
}
/** 413: the body is over the server's limit; send smaller batches. */
export class PayloadTooLargeError extends StackledgerError {
  override name = "PayloadTooLargeError";
}
/** 415: the body was not sent as JSON. */
export class UnsupportedMediaTypeError extends StackledgerError {
  override name = "UnsupportedMediaTypeError";
}
/** 422: the batch names companies, deals or events this log does not have. */
export class UnknownReferenceError extends StackledgerError {
  override name = "UnknownReferenceError";
}
/** 503: the database (or a projection) is unavailable; retrying later is safe. */
export class UnavailableError extends StackledgerError {
  override name = "UnavailableError";
}
/** 503: an append whose outcome is unknown; retrying with the same event ids is safe (`append` does). */
export class OutcomeUnknownError extends UnavailableError {
  override name = "OutcomeUnknownError";
}
/** 504: a view did not reach `waitFor` within the timeout. */
export class WaitTimeoutError extends StackledgerError {
  override name = "WaitTimeoutError";
}
/** 500 and anything else unexpected. */
export class ServerError extends StackledgerError {
  override name = "ServerError";
}

const BY_TYPE: Record<string, typeof StackledgerError> = {
  "malformed-cursor": MalformedCursorError,
  "outcome-unknown": OutcomeUnknownError,
  "wait-timeout": WaitTimeoutError,
  "cursor-gone": CursorGoneError,
};
const BY_STATUS: Record<number, typeof StackledgerError> = {
  400: ValidationError,
  401: AuthError,
  403: AuthError,
  404: NotFoundError,
  409: ConflictError,
  410: CursorGoneError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  422: UnknownReferenceError,
  503: UnavailableError,
  504: WaitTimeoutError,
};

/** The typed error for a failed response (problem+json when the server sent it, else a synthesised one). */
export async function errorFromResponse(response: Response): Promise<StackledgerError> {
  const text = await response.text().catch(() => "");
  let problem: Problem;
  try {
    const parsed = JSON.parse(text) as Problem;
    if (typeof parsed?.type !== "string" || typeof parsed.status !== "number")
      throw new Error("not a problem");
    problem = parsed;
  } catch {
    // A proxy's or load balancer's page, not ours: keep its status and a glimpse of its text.
    problem = {
      type: "about:blank",
      title: response.statusText || `HTTP ${response.status}`,
      status: response.status,
      detail: text.slice(0, 200) || undefined,
    };
  }
  const type = problem.type.slice(problem.type.lastIndexOf("/") + 1);
  const Kind = BY_TYPE[type] ?? BY_STATUS[response.status] ?? ServerError;
  const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
  return new Kind(
    problem,
    response.headers.get("x-request-id") ?? undefined,
    Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
  );
}
