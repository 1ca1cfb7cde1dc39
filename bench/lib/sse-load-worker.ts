/**
 * One load-generator process of the feed benchmark (spawned by bench/lib/sse-load.ts, driven over IPC).
 * It holds many SSE subscribers as plain node:http requests and parses the stream by hand: far lighter
 * than EventSource objects, so that the process under test, not the clients, is what is measured.
 *
 * Every event the benchmark appends carries `metadata: { seq, sentAt }` (sentAt: the CLOCK_MONOTONIC time
 * in ms at which the writer sent it, shared by every process of the machine). For each frame received,
 * `receipt − sentAt` goes into a histogram (0.1 ms buckets) and `seq` into the subscriber's bitset, which
 * counts duplicates and (at the end) missing events. The parent also sends, per event, the time its POST
 * was acknowledged (`ack`); `receipt − ack` goes into a second histogram (receipts before the ack count
 * as 0 and are counted apart).
 *
 * It exits by itself: on `close`, when the parent goes away (IPC disconnect), or after MAX_LIFETIME_MS.
 */
import http from "node:http";
import { BUCKET_MS, BUCKETS, type WorkerReport, type WorkerRequest } from "./sse-load.js";

const MAX_LIFETIME_MS = 30 * 60_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

interface Subscriber {
  readonly request: http.ClientRequest;
  seen: Uint8Array;
  buffer: string;
  received: number;
  duplicates: number;
  caughtUp: boolean;
  closed: boolean;
}

const histogram = new Uint32Array(BUCKETS);
const afterAck = new Uint32Array(BUCKETS);
let beforeAck = 0;
/** Per event: its ack time once known. */
let ackAt = new Float64Array(0);
/** Receipts of events whose ack has not come yet. */
const pending = new Map<number, number[]>();
let maxLatencyMs = 0;
let negative = 0;
let events = 0;
/** Per event: the earliest and the latest receipt over this process's subscribers (ms, CLOCK_MONOTONIC). */
let firstReceipt = new Float64Array(0);
let lastReceipt = new Float64Array(0);
const subscribers: Subscriber[] = [];
let receivedTotal = 0;
let unexpected = 0;
const errors = new Map<string, number>();

function noteError(message: string): void {
  errors.set(message, (errors.get(message) ?? 0) + 1);
}

/** Parses the complete frames at the start of `sub.buffer`; keeps the rest. */
function consume(sub: Subscriber, receipt: number): void {
  let start = 0;
  for (;;) {
    const end = sub.buffer.indexOf("\n\n", start);
    if (end < 0) break;
    const frame = sub.buffer.slice(start, end);
    start = end + 2;
    const typeAt = frame.indexOf("event: ");
    if (typeAt < 0) continue; // retry hint, heartbeat comment
    const typeEnd = frame.indexOf("\n", typeAt);
    const type = frame.slice(typeAt + 7, typeEnd < 0 ? frame.length : typeEnd);
    if (type === "caught-up") {
      sub.caughtUp = true;
      continue;
    }
    if (type === "bookmark") continue;
    // The envelope ends with the metadata the writer set: {"seq":N,"sentAt":T}.
    const seqAt = frame.lastIndexOf('"seq":');
    const sentAt = frame.lastIndexOf('"sentAt":');
    if (seqAt < 0 || sentAt < 0) {
      unexpected++;
      continue;
    }
    const seq = Number.parseInt(frame.slice(seqAt + 6, seqAt + 26), 10);
    const latency = receipt - Number.parseFloat(frame.slice(sentAt + 9, sentAt + 40));
    if (!(seq >= 0 && seq < events)) {
      unexpected++;
      continue;
    }
    if (sub.seen[seq]) {
      sub.duplicates++;
      continue;
    }
    sub.seen[seq] = 1;
    sub.received++;
    receivedTotal++;
    if (latency < 0) negative++;
    const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.floor(latency / BUCKET_MS)));
    histogram[bucket]!++;
    if (latency > maxLatencyMs) maxLatencyMs = latency;
    if (receipt < firstReceipt[seq]!) firstReceipt[seq] = receipt;
    if (receipt > lastReceipt[seq]!) lastReceipt[seq] = receipt;
    const ack = ackAt[seq]!;
    if (ack > 0) recordAfterAck(receipt - ack);
    else {
      const list = pending.get(seq);
      if (list) list.push(receipt);
      else pending.set(seq, [receipt]);
    }
  }
  sub.buffer = start === sub.buffer.length ? "" : sub.buffer.slice(start);
}

function recordAfterAck(ms: number): void {
  if (ms < 0) beforeAck++;
  afterAck[Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)))]!++;
}

function open(url: URL, localAddress: string | undefined): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      localAddress,
      agent: false,
      headers: { accept: "text/event-stream" },
    });
    const sub: Subscriber = {
      request,
      seen: new Uint8Array(events),
      buffer: "",
      received: 0,
      duplicates: 0,
      caughtUp: false,
      closed: false,
    };
    const timer = setTimeout(() => {
      request.destroy(new Error("no caught-up within 60 s"));
    }, 60_000);
    request.once("error", (error) => {
      clearTimeout(timer);
      if (!sub.caughtUp) reject(error);
      else noteError(error.message);
    });
    request.once("response", (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        reject(new Error(`status ${response.statusCode}`));
        response.resume();
        return;
      }
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        sub.buffer += chunk;
        const wasCaughtUp = sub.caughtUp;
        consume(sub, nowMs());
        if (!wasCaughtUp && sub.caughtUp) {
          clearTimeout(timer);
          resolve(sub);
        }
      });
      response.once("close", () => {
        sub.closed = true;
      });
    });
    request.end();
  });
}

async function connect(url: URL, count: number, addresses: readonly string[], concurrency: number) {
  const started = nowMs();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const address = addresses.length > 0 ? addresses[index % addresses.length] : undefined;
      try {
        subscribers.push(await open(url, address));
      } catch (error) {
        failed++;
        noteError(`connect: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { connected: subscribers.length, failed, ms: nowMs() - started };
}

function report(): WorkerReport {
  const buckets: [number, number][] = [];
  const ackBuckets: [number, number][] = [];
  for (let i = 0; i < BUCKETS; i++) {
    if (histogram[i]! > 0) buckets.push([i, histogram[i]!]);
    if (afterAck[i]! > 0) ackBuckets.push([i, afterAck[i]!]);
  }
  let complete = 0;
  let missing = 0;
  let duplicates = 0;
  let closed = 0;
  for (const sub of subscribers) {
    if (sub.received === events) complete++;
    missing += events - sub.received;
    duplicates += sub.duplicates;
    if (sub.closed) closed++;
  }
  return {
    subscribers: subscribers.length,
    received: receivedTotal,
    complete,
    missing,
    duplicates,
    closed,
    unexpected,
    negative,
    ackBuckets,
    beforeAck,
    /** Receipts whose event was never acknowledged (a failed POST). */
    unacknowledged: [...pending.values()].reduce((sum, list) => sum + list.length, 0),
    maxLatencyMs,
    buckets,
    // JSON over IPC has no Infinity: -1 stands for "never received".
    firstReceipt: Array.from(firstReceipt, (v) => (Number.isFinite(v) ? v : -1)),
    lastReceipt: Array.from(lastReceipt, (v) => (Number.isFinite(v) ? v : -1)),
    errors: Object.fromEntries(errors),
  };
}

function shutdown(): never {
  for (const sub of subscribers) sub.request.destroy();
  process.exit(0);
}

const send = (message: unknown) => process.send?.(message);

process.on("message", (message: WorkerRequest) => {
  switch (message.op) {
    case "connect":
      events = message.events;
      firstReceipt = new Float64Array(events).fill(Number.POSITIVE_INFINITY);
      lastReceipt = new Float64Array(events).fill(Number.NEGATIVE_INFINITY);
      ackAt = new Float64Array(events);
      void connect(new URL(message.url), message.count, message.addresses, message.concurrency).then(
        (result) => send({ op: "connected", ...result }),
        (error: Error) => send({ op: "error", message: error.message }),
      );
      break;
    case "progress": {
      let closed = 0;
      for (const sub of subscribers) if (sub.closed) closed++;
      send({ op: "progress", received: receivedTotal, closed });
      break;
    }
    case "ack": {
      ackAt[message.seq] = message.at;
      const list = pending.get(message.seq);
      if (list) {
        for (const receipt of list) recordAfterAck(receipt - message.at);
        pending.delete(message.seq);
      }
      break;
    }
    case "report":
      send({ op: "report", report: report() });
      break;
    case "close":
      shutdown();
  }
});
process.on("disconnect", shutdown);
setTimeout(shutdown, MAX_LIFETIME_MS).unref();
send({ op: "ready" });
