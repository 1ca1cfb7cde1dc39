import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";

const ANSWERS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "headers-too-large",
    "Request Header Fields Too Large",
    "The request line and headers are over the server's limit (16 KiB)",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    "request-timeout",
    "Request Timeout",
    "The request was not received in time",
  ],
};
const MALFORMED: [number, string, string, string] = [
  400,
  "malformed-request",
  "Bad Request",
  "The request is not valid HTTP/1.1",
];

/**
 * Requests Node's HTTP parser refuses before any route runs (headers over the size limit, a malformed
 * request line, a timeout) get the same problem+json and `X-Request-Id` as every other 4xx instead of
 * Node's bare status line, then the connection is closed: its framing can no longer be trusted.
 */
export function answerClientErrors(server: EventEmitter): void {
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const [status, type, title, detail] = ANSWERS[error.code ?? ""] ?? MALFORMED;
    const requestId = randomUUID();
    const body = JSON.stringify({
      type: `https://stackledger.dev/problems/${type}`,
      title,
      status,
      detail,
      errors: [{ path: "", message: detail }],
      requestId,
    });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
