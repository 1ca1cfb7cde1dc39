/** Problem detail entry: one failing field. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base of every expected failure of the log; the HTTP layer turns it into problem+json with `status`. */
export class EventLogError extends Error {
  override name = "EventLogError";
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 400: the input does not match the catalog or the batch rules. */
export class ValidationError extends EventLogError {
  override name = "ValidationError";
  constructor(
    readonly issues: FieldIssue[],
    message = "The request does not match the schema",
  ) {
    super(400, "validation", message, { errors: issues });
  }
}

/** 409: expected version, stream rules (second registration, second opening event) or a reused event id. */
export class ConflictError extends EventLogError {
  override name = "ConflictError";
  constructor(message: string, conflicts: unknown) {
    super(409, "conflict", message, { conflicts });
  }
}

/** 422: the batch names companies, deals or events this log does not have. */
export class UnknownReferenceError extends EventLogError {
  override name = "UnknownReferenceError";
  constructor(message: string, extra: Record<string, unknown>) {
    super(422, "unknown-reference", message, extra);
  }
}

/** 400: a cursor that is not one of ours. */
export class MalformedCursorError extends EventLogError {
  override name = "MalformedCursorError";
  constructor(path = "after", reason = "is not a valid cursor") {
    super(400, "malformed-cursor", `${path} ${reason}`, { errors: [{ path, message: reason }] });
  }
}

/** 410: a well-formed cursor minted by another log (another database, or a restore). */
export class UnservableCursorError extends EventLogError {
  override name = "UnservableCursorError";
  constructor() {
    super(
      410,
      "cursor-gone",
      "This cursor belongs to another log and cannot be served; start again from `start`",
    );
  }
}

/** 404: no such stream. */
export class StreamNotFoundError extends EventLogError {
  override name = "StreamNotFoundError";
  constructor(streamId: string) {
    super(404, "not-found", `Stream ${streamId} does not exist`);
  }
}

/** 503: the database cannot be reached now; nothing was sent, so retrying is safe. */
export class DatabaseUnavailableError extends EventLogError {
  override name = "DatabaseUnavailableError";
  constructor(reason: string) {
    super(503, "database-unavailable", `The database is unavailable: ${reason}; retry later`);
  }
}

/**
 * 503: the connection broke after the append was sent, so it may or may not have committed. Retrying the
 * same batch with the same event ids is safe: it answers 201, or 200 if the first attempt committed.
 */
export class OutcomeUnknownError extends EventLogError {
  override name = "OutcomeUnknownError";
  constructor(reason: string, eventIds: readonly string[]) {
    super(
      503,
      "outcome-unknown",
      `The database connection broke after the append was sent (${reason}): it may or may not have been stored. Retry the same batch with the same event ids; it is safe`,
      // Ids the server assigned (events sent without one) are needed to retry safely.
      { eventIds },
    );
  }
}
