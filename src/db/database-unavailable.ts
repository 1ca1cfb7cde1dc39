/**
 * Whether `error` says the database cannot be reached or dropped the connection — a restart, a failover,
 * `pg_terminate_backend`, a network cut, a full connection table — as opposed to a statement that failed
 * on a healthy connection. These become `503` at a request's edge and a retry in background workers.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    // Class 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now; 53300: too
    // many connections; 57P05: idle session timeout.
    if (code.startsWith("08") || /^57P0[1235]$/.test(code) || code === "53300") return true;
    if (NETWORK_CODES.has(code)) return true;
  }
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message)))
    return true;
  // AggregateError (a host with several addresses) and wrapped causes.
  const nested = (error as { errors?: unknown; cause?: unknown }).errors;
  if (Array.isArray(nested) && nested.some(isDatabaseUnavailable)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isDatabaseUnavailable(cause);
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** What pg says when a connection ended or never came (it sets no code on these). */
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Client was closed and is not queryable/i,
  /Connection closed/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];
