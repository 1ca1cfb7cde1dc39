import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { EventLogError, type FieldIssue } from "../event-log/errors.js";
import { requestHeader } from "./request-header.js";

export type JsonBody = { success: true; value: unknown } | { success: false; issues: FieldIssue[] };

/** 413: the body passed the configured limit (announced by Content-Length or counted while reading). */
export class BodyTooLargeError extends EventLogError {
  override name = "BodyTooLargeError";
  constructor(maxBytes: number) {
    super(413, "too-large", `The body is larger than ${maxBytes} bytes`);
  }
}

/**
 * Reads the body as JSON, at most `maxBytes` of it, whether or not Content-Length announced its size
 * (BodyTooLargeError above that); malformed JSON is a 400 naming the position, never a 500.
 *
 * Under @hono/node-server the bytes come straight from Node's IncomingMessage: going through the Web
 * Request (an undici Request and a web ReadableStream per request) cost more CPU than the rest of an
 * append request together (docs/benchmarks.md). Elsewhere (app.request in tests) the Web body is used.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<JsonBody> {
  const declared = Number(requestHeader(c, "content-length"));
  if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const text = incoming ? await readIncoming(incoming, maxBytes) : await readWebBody(c, maxBytes);
  try {
    return { success: true, value: JSON.parse(text) };
  } catch (error) {
    return { success: false, issues: [{ path: "", message: `malformed JSON: ${(error as Error).message}` }] };
  }
}

function readIncoming(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        // Stop buffering; what is left is discarded so that the 413 can still be written.
        incoming.resume();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(
        chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"),
      );
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
    };
    if (incoming.readableEnded) return resolve("");
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", onError);
  });
}

async function readWebBody(c: Context, maxBytes: number): Promise<string> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > maxBytes) throw new BodyTooLargeError(maxBytes);
  return new TextDecoder().decode(bytes);
}
