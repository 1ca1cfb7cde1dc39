import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/stackledger.js", import.meta.url));

export interface Spawned {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** Runs the package's own command (`bin/stackledger.js`) as a new process, as a user would. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", TEST_DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits until the process prints `pattern` (or fails with its output after `timeoutMs`). */
export async function waitForOutput(
  spawned: Spawned,
  pattern: RegExp,
  timeoutMs = 90_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = spawned.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline || spawned.child.exitCode !== null) {
      throw new Error(`did not print ${pattern}; output:\n${spawned.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
