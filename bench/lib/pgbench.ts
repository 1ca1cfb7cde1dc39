import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { adminQuery, databaseUrl } from "./database.js";

const run = promisify(execFile);

/**
 * The server's own ceiling, when `pgbench` is installed: its built-in simple-update script (`-N`: one
 * transaction = 3 statements + 1 INSERT) with 16 clients on a scale-10 database, for `seconds`.
 * Returns transactions per second, or undefined when pgbench is not on the PATH.
 */
export async function pgbenchTps(seconds: number): Promise<{ command: string; tps: number } | undefined> {
  try {
    await run("pgbench", ["--version"]);
  } catch {
    return undefined;
  }
  const name = `sl_bench_pgbench_${process.pid}`;
  await adminQuery(`drop database if exists ${name}`);
  await adminQuery(`create database ${name}`);
  try {
    const url = databaseUrl(name);
    await run("pgbench", ["-i", "-q", "-s", "10", url]);
    const args = ["-N", "-c", "16", "-j", "2", "-T", String(seconds), url];
    const { stdout } = await run("pgbench", args);
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return { command: `pgbench ${args.slice(0, -1).join(" ")}`, tps: Number(tps) };
  } finally {
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}
