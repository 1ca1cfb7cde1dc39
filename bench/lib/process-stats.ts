/** CPU and memory of another process, from /proc (Linux). */
import { readdir, readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

export interface ProcessSample {
  /** utime + stime, seconds. */
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  /** Peak RSS since the process started. */
  readonly hwmMiB: number;
  readonly at: number;
}

export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return {
    cpuSeconds: ticks / CLOCK_TICKS,
    rssMiB: kib("VmRSS") / 1024,
    hwmMiB: kib("VmHWM") / 1024,
    at: performance.now(),
  };
}

export interface ProcessWindow {
  /** CPU time over wall time during the window, in % of one core. */
  readonly cpuPercent: number;
  /** CPU time used during the window, seconds. */
  readonly cpuSeconds: number;
  /** Highest VmRSS sampled during the window. */
  readonly rssMaxMiB: number;
  /** VmHWM at the end of the window. */
  readonly hwmMiB: number;
}

/** Samples `pid` every `everyMs` from now until `stop()`. */
export function watchProcess(pid: number, everyMs = 250): { stop(): Promise<ProcessWindow> } {
  const first = sampleProcess(pid);
  let rssMax = 0;
  const timer = setInterval(() => {
    void sampleProcess(pid).then(
      (sample) => {
        rssMax = Math.max(rssMax, sample.rssMiB);
      },
      () => {},
    );
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      const start = await first;
      const end = await sampleProcess(pid);
      return {
        cpuPercent: (100 * (end.cpuSeconds - start.cpuSeconds)) / ((end.at - start.at) / 1000),
        cpuSeconds: end.cpuSeconds - start.cpuSeconds,
        rssMaxMiB: Math.max(rssMax, start.rssMiB, end.rssMiB),
        hwmMiB: end.hwmMiB,
      };
    },
  };
}

/**
 * CPU seconds used so far by the PostgreSQL server on this machine: its live processes plus what the
 * postmaster has collected from the backends that exited (its cutime + cstime). Local servers only; NaN
 * when no postmaster is visible in /proc.
 */
export async function postgresCpuSeconds(): Promise<number> {
  const processes = new Map<number, string[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (stat.includes("(postgres)"))
      processes.set(Number(entry), stat.slice(stat.lastIndexOf(")") + 2).split(" "));
  }
  let ticks = 0;
  let reaped = Number.NaN;
  for (const fields of processes.values()) {
    // After the command name: state, ppid, ..., utime (11), stime (12), cutime (13), cstime (14).
    ticks += Number(fields[11]) + Number(fields[12]);
    if (!processes.has(Number(fields[1]))) reaped = Number(fields[13]) + Number(fields[14]);
  }
  return (ticks + reaped) / CLOCK_TICKS;
}
