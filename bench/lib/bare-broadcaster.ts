/**
 * The ceiling of the feed fan-out benchmark: the least a Node process can do to broadcast SSE frames.
 * A bare node:http server (no framework, no database) run as its own process:
 * - `GET /events`: the SSE headers the feed sends, a `retry:` hint and a `caught-up` frame, then the
 *   response joins the set of clients;
 * - `POST /publish` with `{ type, data, metadata }`: builds the envelope stackledger would send (same
 *   fields, same sizes: id, type, streamId, streamVersion, position, cursor, recordedAt, data, metadata),
 *   encodes the frame once, `res.write`s it to every client (no backpressure handling: that is the
 *   floor) and answers 201.
 * It prints `listening <port>` and stops on SIGTERM, or by itself after 30 minutes, or when its parent goes
 * away.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

const clients = new Set<http.ServerResponse>();
let position = 0;
const LOG_ID = randomUUID().replaceAll("-", "").slice(0, 12);
// A cursor of the same shape and length as the real ones (a 6-digit xid).
const cursorOf = (at: number) => Buffer.from(`1.${LOG_ID}.${100_000 + at}.${at}`).toString("base64url");
const frame = (id: string, event: string, data: unknown) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url?.startsWith("/events")) {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    });
    res.write(`retry: ${2000 + Math.round(Math.random() * 1000)}\n\n`);
    res.write(frame(position === 0 ? "start" : cursorOf(position), "caught-up", {}));
    clients.add(res);
    res.once("close", () => clients.delete(res));
    return;
  }
  if (req.method === "POST" && req.url === "/publish") {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        type: string;
        data: { companyId: string };
        metadata: Record<string, unknown>;
      };
      position++;
      const cursor = cursorOf(position);
      const encoded = frame(cursor, event.type, {
        id: randomUUID(),
        type: event.type,
        streamId: `company-${event.data.companyId}`,
        streamVersion: 1,
        position,
        cursor,
        recordedAt: new Date().toISOString(),
        data: event.data,
        metadata: event.metadata,
      });
      for (const client of clients) client.write(encoded);
      res.writeHead(201, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ position, cursor }));
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;

server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as AddressInfo).port}`);
});

const stop = () => {
  for (const client of clients) client.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
setTimeout(stop, 30 * 60_000).unref();
