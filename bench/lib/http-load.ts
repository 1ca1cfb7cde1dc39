/**
 * A lean HTTP/1.1 load generator: `connections` keep-alive sockets, one request in flight on each, the
 * request bytes written as they are and the responses framed by Content-Length only. On a 2-core machine
 * node's own http client cost about as much CPU per request as the API server itself; this one costs a
 * fraction of that, so that the figure is the server's, as with wrk or autocannon.
 */
import { connect, type Socket } from "node:net";

export interface HttpLoad {
  /** Sends the requests `body(i)` for i in [from, to) over the connections; rejects on a non-`expect` status. */
  run(from: number, to: number, body: (index: number) => string): Promise<void>;
  close(): void;
}

const HEADER_END = Buffer.from("\r\n\r\n");

export async function createHttpLoad(
  url: string,
  connections: number,
  headers: Record<string, string>,
  expect: number,
): Promise<HttpLoad> {
  const target = new URL(url);
  const head = [
    `POST ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    "Connection: keep-alive",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join("\r\n");
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(target.port), target.hostname, () => resolve(socket));
          socket.setNoDelay(true);
          socket.once("error", reject);
        }),
    ),
  );

  /** Sends one request and resolves with the status once its whole response has arrived. */
  const exchange = (socket: Socket, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      let buffer: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        const end = buffer.indexOf(HEADER_END);
        if (end < 0) return;
        const header = buffer.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(header)?.[1] ?? Number.NaN);
        if (!Number.isFinite(length)) return fail(new Error(`a response without Content-Length:\n${header}`));
        if (buffer.length < end + 4 + length) return;
        socket.off("data", onData);
        socket.off("error", fail);
        resolve({
          status: Number(header.slice(9, 12)),
          text: buffer.subarray(end + 4, end + 4 + length).toString("utf8"),
        });
      };
      const fail = (error: Error) => {
        socket.off("data", onData);
        socket.off("error", fail);
        reject(error);
      };
      socket.on("data", onData);
      socket.once("error", fail);
      socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });

  return {
    async run(from, to, body) {
      let next = from;
      await Promise.all(
        sockets.map(async (socket) => {
          while (next < to) {
            const index = next++;
            const response = await exchange(socket, body(index));
            if (response.status !== expect) throw new Error(`HTTP ${response.status}: ${response.text}`);
          }
        }),
      );
    },
    close() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
