import { readFile } from "node:fs/promises";
import { hostname } from "node:os";

/**
 * Who a process is: its PID and when it started. A PID alone is not an identity: after a crash and a
 * reboot (or enough process churn) another program can run under the same number, and a lock naming it
 * would then block the folder forever. The start time (clock ticks since boot, from /proc) tells them apart.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat; null where /proc does not exist (then PID reuse cannot be detected). */
  readonly startTime: string | null;
  readonly host: string;
}

/** This process. */
export async function currentProcess(): Promise<ProcessIdentity> {
  const stat = await readStat(process.pid);
  return { pid: process.pid, startTime: stat?.startTime ?? null, host: hostname() };
}

/**
 * True unless `identity` certainly no longer runs: no such PID, a zombie, or a PID now held by a process
 * that started at another time. A process on another host cannot be checked, so it counts as running.
 */
export async function isRunning(identity: ProcessIdentity): Promise<boolean> {
  if (identity.host !== hostname()) return true;
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: the PID exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const stat = await readStat(identity.pid);
  if (!stat) return true;
  if (stat.state === "Z" || stat.state === "X") return false;
  return identity.startTime === null || identity.startTime === stat.startTime;
}

async function readStat(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (!text) return undefined;
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTime = fields[19];
  return state && startTime ? { state, startTime } : undefined;
}
