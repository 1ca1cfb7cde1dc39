import cliProgress from "cli-progress";

export interface WorkloadProgress {
  step(run: number, phase: string, done: boolean): void;
  finish(): void;
}

export interface Progress {
  workload(name: string, total: number): WorkloadProgress;
  /** A line that stays (per-run figures). */
  log(line: string): void;
  stop(): void;
}

/** Bars on a terminal (stderr); plain lines otherwise, so that logs and CI output stay readable. */
export function createProgress(): Progress {
  if (!process.stderr.isTTY) {
    return {
      workload: () => ({ step: () => {}, finish: () => {} }),
      log: (line) => process.stdout.write(`${line}\n`),
      stop: () => {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: "{workload} [{bar}] {value}/{total} run {run} {phase}",
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    workload(name, total) {
      const bar = bars.create(total, 0, { workload: name, run: 1, phase: "" });
      return {
        step: (run, phase, done) => bar.increment(done ? 1 : 0, { run, phase }),
        finish: () => bars.remove(bar),
      };
    },
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
