/**
 * The subscriber side of the feed benchmark: one or more load-generator processes
 * (bench/lib/sse-load-worker.ts) holding plain node:http SSE subscribers, driven over IPC, and the merge
 * of their latency histograms and delivery counts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Latency histogram: 0.1 ms buckets up to 300 s (the last bucket holds everything slower). */
export const BUCKET_MS = 0.1;
export const BUCKETS = 3_000_000;

export type WorkerRequest =
  | {
      readonly op: "connect";
      readonly url: string;
      readonly count: number;
      /** Events the benchmark will send (seq 0..events-1). */
      readonly events: number;
      /** Source addresses to spread the connections over (127.0.0.x), so that ephemeral ports never run short. */
      readonly addresses: readonly string[];
      readonly concurrency: number;
    }
  | { readonly op: "progress" }
  /** The POST of event `seq` was acknowledged at `at` (ms, CLOCK_MONOTONIC). */
  | { readonly op: "ack"; readonly seq: number; readonly at: number }
  | { readonly op: "report" }
  | { readonly op: "close" };

export interface WorkerReport {
  readonly subscribers: number;
  /** Distinct (subscriber, event) deliveries. */
  readonly received: number;
  /** Subscribers that received every event. */
  readonly complete: number;
  readonly missing: number;
  readonly duplicates: number;
  /** Subscribers whose stream ended before the report (the server dropped them). */
  readonly closed: number;
  /** Frames that were not a benchmark event (no seq/sentAt, or a seq out of range). */
  readonly unexpected: number;
  /** Receipts earlier than their send time (clock trouble; should be 0). */
  readonly negative: number;
  readonly maxLatencyMs: number;
  /** Sparse histogram: [bucket, count]. */
  readonly buckets: [number, number][];
  /** Sparse histogram of receipt − ack (receipts before the ack in bucket 0). */
  readonly ackBuckets: [number, number][];
  readonly beforeAck: number;
  readonly unacknowledged: number;
  /** Per event (by seq): earliest and latest receipt, ms on CLOCK_MONOTONIC (-1 when never received). */
  readonly firstReceipt: number[];
  readonly lastReceipt: number[];
  readonly errors: Record<string, number>;
}

type WorkerMessage =
  | { op: "ready" }
  | { op: "connected"; connected: number; failed: number; ms: number }
  | { op: "progress"; received: number; closed: number }
  | { op: "report"; report: WorkerReport }
  | { op: "error"; message: string };

const WORKER = fileURLToPath(new URL("./sse-load-worker.ts", import.meta.url));
/** Subscribers per load-generator process. */
export const PER_WORKER = 2500;

/** A child that stops when this process goes away, even if it is killed (checks its parent every second). */
export const EXIT_WITH_PARENT = `data:text/javascript,const p=process.ppid;setInterval(()=>{if(process.ppid!==p)process.kill(process.pid,"SIGTERM")},1000).unref();`;

/**
 * Spawns `node <args>` through `bash -c 'ulimit -n …; exec node …'`, so that the child may hold more
 * sockets than the default limit; `exec` keeps the pid, so /proc/<pid> is node's own.
 */
export function spawnNode(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {},
): ChildProcess {
  return spawn(
    "bash",
    [
      "-c",
      'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"',
      process.execPath,
      ...args,
    ],
    {
      env: options.env ?? process.env,
      stdio: options.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    },
  );
}

/** Resolves when `child` exits; SIGTERM first, SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

class LoadWorker {
  private readonly waiting = new Map<string, (message: WorkerMessage) => void>();
  readonly output: string[] = [];
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) this.output.push(line);
      if (this.output.length > 50) this.output.splice(0, this.output.length - 50);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("message", (message: WorkerMessage) => {
      const op = message.op === "error" ? [...this.waiting.keys()][0] : message.op;
      const resolve = op ? this.waiting.get(op) : undefined;
      if (op) this.waiting.delete(op);
      resolve?.(message);
    });
    child.once("exit", (code, signal) => {
      for (const [, resolve] of this.waiting)
        resolve({
          op: "error",
          message: `load generator exited (${code ?? signal}): ${this.output.join("\n")}`,
        });
      this.waiting.clear();
    });
    this.ready = this.request("ready").then(() => {});
  }

  /** Sends `message` (if any) and waits for the reply `op`, at most `timeoutMs`. */
  request<T extends WorkerMessage["op"]>(
    op: T,
    message?: WorkerRequest,
    timeoutMs = 180_000,
  ): Promise<Extract<WorkerMessage, { op: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(op);
        reject(new Error(`load generator: no ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(op, (reply) => {
        clearTimeout(timer);
        if (reply.op === "error") reject(new Error(reply.message));
        else resolve(reply as Extract<WorkerMessage, { op: T }>);
      });
      if (message) this.child.send(message);
    });
  }
}

export interface LoadResult {
  readonly subscribers: number;
  readonly received: number;
  readonly complete: number;
  readonly missing: number;
  readonly duplicates: number;
  readonly closed: number;
  readonly unexpected: number;
  readonly negative: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** receipt − the writer's receipt of the POST's 201 (the commit, as the writer learns it). */
  readonly afterAckP50: number;
  readonly afterAckP99: number;
  /** Receipts that came before the writer had its 201 (counted as 0 in afterAck). */
  readonly beforeAck: number;
  /** Per event: earliest and latest receipt over all subscribers (NaN when no subscriber got it). */
  readonly firstReceipt: number[];
  readonly lastReceipt: number[];
  readonly errors: Record<string, number>;
}

export interface SseLoad {
  readonly pids: readonly number[];
  /** Opens `count` subscribers on `url` (split over the workers); each counts once it has its `caught-up`. */
  connect(
    url: string,
    count: number,
    events: number,
  ): Promise<{ connected: number; failed: number; ms: number }>;
  /** Tells every worker that the POST of event `seq` was acknowledged at `at`. */
  ack(seq: number, at: number): void;
  /** Distinct deliveries so far, and subscribers dropped, over all workers. */
  progress(): Promise<{ received: number; closed: number }>;
  report(): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Starts `processes` load generators. */
export async function startSseLoad(processes: number): Promise<SseLoad> {
  const workers = Array.from(
    { length: processes },
    () => new LoadWorker(spawnNode(["--import", import.meta.resolve("tsx"), WORKER], { ipc: true })),
  );
  const close = async () => {
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.child.connected) worker.child.send({ op: "close" } satisfies WorkerRequest);
        await stopChild(worker.child, 5000);
      }),
    );
  };
  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    await close();
    throw error;
  }
  // Source addresses: 127.0.0.1 to 127.0.0.8 (all of 127/8 is loopback on Linux).
  const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
  return {
    pids: workers.map((worker) => worker.child.pid!),
    async connect(url, count, events) {
      const shares = workers.map(
        (_, i) => Math.floor((count * (i + 1)) / workers.length) - Math.floor((count * i) / workers.length),
      );
      const results = await Promise.all(
        workers.map((worker, i) =>
          worker.request("connected", {
            op: "connect",
            url,
            count: shares[i]!,
            events,
            addresses,
            concurrency: 64,
          }),
        ),
      );
      return {
        connected: results.reduce((sum, r) => sum + r.connected, 0),
        failed: results.reduce((sum, r) => sum + r.failed, 0),
        ms: Math.max(...results.map((r) => r.ms)),
      };
    },
    ack(seq, at) {
      for (const worker of workers)
        if (worker.child.connected) worker.child.send({ op: "ack", seq, at } satisfies WorkerRequest);
    },
    async progress() {
      const replies = await Promise.all(
        workers.map((worker) => worker.request("progress", { op: "progress" }, 30_000)),
      );
      return {
        received: replies.reduce((sum, r) => sum + r.received, 0),
        closed: replies.reduce((sum, r) => sum + r.closed, 0),
      };
    },
    async report() {
      const reports = (
        await Promise.all(workers.map((worker) => worker.request("report", { op: "report" }, 60_000)))
      ).map((reply) => reply.report);
      return mergeReports(reports);
    },
    close,
  };
}

function percentiles(lists: readonly (readonly [number, number][])[]): (p: number) => number {
  const counts = new Map<number, number>();
  let total = 0;
  for (const list of lists) {
    for (const [bucket, count] of list) {
      counts.set(bucket, (counts.get(bucket) ?? 0) + count);
      total += count;
    }
  }
  const sorted = [...counts.entries()].sort((a, b) => a[0] - b[0]);
  // Nearest rank, reported at the middle of its 0.1 ms bucket.
  return (p) => {
    if (total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (seen >= rank) return Number(((bucket + 0.5) * BUCKET_MS).toFixed(2));
    }
    return Number.NaN;
  };
}

function mergeReports(reports: readonly WorkerReport[]): LoadResult {
  const errors: Record<string, number> = {};
  for (const report of reports)
    for (const [message, count] of Object.entries(report.errors))
      errors[message] = (errors[message] ?? 0) + count;
  const percentile = percentiles(reports.map((r) => r.buckets));
  const afterAck = percentiles(reports.map((r) => r.ackBuckets));
  const merge = (of: (r: WorkerReport) => number[], pick: (...values: number[]) => number) =>
    Array.from({ length: reports[0] ? of(reports[0]).length : 0 }, (_, seq) => {
      const values = reports.map((r) => of(r)[seq]!).filter((v) => v >= 0);
      return values.length > 0 ? pick(...values) : Number.NaN;
    });
  const sum = (key: keyof WorkerReport) => reports.reduce((acc, r) => acc + (r[key] as number), 0);
  return {
    subscribers: sum("subscribers"),
    received: sum("received"),
    complete: sum("complete"),
    missing: sum("missing"),
    duplicates: sum("duplicates"),
    closed: sum("closed"),
    unexpected: sum("unexpected"),
    negative: sum("negative"),
    p50: percentile(50),
    p99: percentile(99),
    afterAckP50: afterAck(50),
    afterAckP99: afterAck(99),
    beforeAck: sum("beforeAck"),
    max: Number(Math.max(...reports.map((r) => r.maxLatencyMs)).toFixed(1)),
    firstReceipt: merge((r) => r.firstReceipt, Math.min),
    lastReceipt: merge((r) => r.lastReceipt, Math.max),
    errors,
  };
}
