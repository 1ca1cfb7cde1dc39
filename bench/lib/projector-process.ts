/**
 * `stackledger project` in its own process, exactly as deployed (bin/stackledger.js, the PROJECTIONS
 * registry, the pg_notify wake-up, the snapshot policy from the environment): the bench measures what the
 * command does, not the projector's internals. The parent reads the process's memory from /proc.
 * BENCH_CPU_PROF=<dir> adds --cpu-prof (the profile is written on a normal exit, i.e. after stop()).
 * BENCH_NODE_ARGS adds node or V8 flags (space-separated; `--trace-gc`, a GC setting to compare).
 * BENCH_PROJECTOR_LOG=<file> appends every process's whole output to the file (with BENCH_LOG_LEVEL=info,
 * the projector's own account of its steps and snapshots beside the suite's figures).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { sampleProcess } from "./process-stats.js";

const BIN = fileURLToPath(new URL("../../bin/stackledger.js", import.meta.url));

export interface ProjectorProcess {
  readonly pid: number;
  /** performance.now() at the spawn. */
  readonly spawnedAt: number;
  /** performance.now() when it said "projector running" (connected, migrated, runners started). */
  readyAt(): number | undefined;
  /** Peak RSS so far (VmHWM), MiB. */
  peakRssMiB(): Promise<number>;
  /** Current RSS (VmRSS), MiB. */
  rssMiB(): Promise<number>;
  /** SIGTERM, wait for a normal exit (the runners stop, snapshots are flushed, the pool closes). */
  stop(): Promise<void>;
  /** SIGKILL (a crash, or cleanup after a failure); resolves once the process is gone. */
  kill(): Promise<void>;
  running(): boolean;
  /** The last 200 lines of its output, for error messages. */
  readonly output: string[];
}

export function startProjectorProcess(env: Record<string, string>): ProjectorProcess {
  const profileDir = process.env.BENCH_CPU_PROF;
  const nodeArgs = [
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    ...(process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
  ];
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, BIN, "project"], {
    env: { ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let readyAt: number | undefined;
  const keep = (chunk: Buffer) => {
    if (readyAt === undefined && chunk.toString().includes("projector running")) readyAt = performance.now();
    for (const line of chunk.toString().split("\n")) if (line.trim()) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const logFile = process.env.BENCH_PROJECTOR_LOG;
  if (logFile) {
    const file = createWriteStream(logFile, { flags: "a" });
    file.write(`--- projector ${child.pid} spawned at ${new Date().toISOString()}\n`);
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    child.once("close", () => file.end());
  }
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running = false;
      resolve();
    }),
  );
  return {
    pid: child.pid!,
    spawnedAt,
    readyAt: () => readyAt,
    output,
    peakRssMiB: async () => (await sampleProcess(child.pid!)).hwmMiB,
    rssMiB: async () => (await sampleProcess(child.pid!)).rssMiB,
    async stop() {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running) return;
      child.kill("SIGKILL");
      await exited;
    },
    running: () => running,
  };
}
