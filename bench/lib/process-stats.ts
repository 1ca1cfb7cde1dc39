/** CPU and memory of another process, from /proc (Linux). */
import { readFile } from "node:fs/promises";
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
