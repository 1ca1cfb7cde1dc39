import { createHash, randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { currentProcess, isRunning } from "./process-identity.js";
import { StartRefusedError } from "./start-refused-error.js";

/**
 * The lock file inside an embedded data folder. PGlite is a single-process database: two processes on one
 * folder each keep their own copy of it in memory and the last to write wins, losing what the other
 * acknowledged. Names starting with it (the lock, and the scratch files used to take it) stay out of backups.
 */
export const LOCK_FILE = "stackledger.lock";

const LockHolderSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.string().nullable(),
  host: z.string(),
  command: z.string(),
  since: z.string(),
  /** Where the holder serves the API, once it listens (`stackledger backup` talks to it there). */
  url: z.string().optional(),
});
export type LockHolder = z.infer<typeof LockHolderSchema>;

/** Another live process holds the folder. */
export class DataDirLockedError extends StartRefusedError {
  override name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const remote = holder.host !== hostname();
    const where = holder.url ? `, serving ${holder.url}` : "";
    super(
      `the data folder ${dataDir} is in use by process ${holder.pid}${remote ? ` on ${holder.host}` : ""} ` +
        `(${holder.command}, since ${holder.since}${where}). ` +
        "The embedded database allows one process per folder: stop that process first" +
        (holder.url ? `, or use its API at ${holder.url}` : "") +
        // Only a lock from another machine (a shared folder) cannot be checked here.
        (remote ? `. If it no longer runs there, delete ${join(dataDir, LOCK_FILE)}.` : "."),
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Removes the lock file if it still names this process (idempotent). */
  release(): Promise<void>;
}

/**
 * Takes the folder's lock for this process's life, or throws `DataDirLockedError` naming the holder. The
 * lock file appears whole and at once (written aside, then hard-linked into place: `link` fails when the
 * name exists), so two racing starts cannot both win. A lock whose holder no longer runs (killed, or its
 * PID reused by another program) is stale and taken over.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const lockPath = join(dir, LOCK_FILE);
  const me = await currentProcess();
  const holder: LockHolder = { ...me, command: describeCommand(), since: new Date().toISOString() };
  const scratch = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(scratch, `${JSON.stringify(holder)}\n`, { flag: "wx", mode: 0o644 });
  try {
    await takeLock(dir, lockPath, scratch);
  } finally {
    await rm(scratch, { force: true });
  }

  const ownsLock = (raw: string | undefined) => {
    const current = raw === undefined ? undefined : parseHolder(raw);
    return current?.pid === me.pid && current.startTime === me.startTime && current.host === me.host;
  };
  // A process that ends without closing (an uncaught error, process.exit) still frees its folder.
  const onExit = () => {
    if (ownsLock(readIfExists(lockPath))) unlinkSync(lockPath);
  };
  process.once("exit", onExit);
  let released = false;
  return {
    dataDir: dir,
    async release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      const raw = await readFile(lockPath, "utf8").catch(() => undefined);
      if (ownsLock(raw)) await rm(lockPath, { force: true });
    },
  };
}

async function takeLock(dir: string, lockPath: string, scratch: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await link(scratch, lockPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const raw = await readFile(lockPath, "utf8").catch(() => undefined);
    if (raw === undefined) continue; // released in between: try again
    const holder = parseHolder(raw);
    if (holder && (await isRunning(holder))) throw new DataDirLockedError(dir, holder);
    await removeStaleLock(lockPath, raw, scratch);
  }
  throw new Error(`could not take the lock of ${dir}: it kept changing hands`);
}

/**
 * Removes the stale lock `stale`, unless another process has replaced it meanwhile. Removing by name is
 * not atomic with having read it, so a takeover first claims that stale lock: a claim file named after its
 * content, created exclusively. Only the claimant may remove the stale lock, and it checks under the claim
 * that the file still is the stale one; racers without the claim go round again and then meet the new
 * holder's live lock.
 */
async function removeStaleLock(lockPath: string, stale: string, scratch: string): Promise<void> {
  const claim = `${lockPath}.claim-${createHash("sha256").update(stale).digest("hex").slice(0, 16)}`;
  try {
    // A hard link to this process's finished lock content: the claim appears whole, naming its claimant.
    await link(scratch, claim);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const raw = await readFile(claim, "utf8").catch(() => undefined);
    const claimant = raw === undefined ? undefined : parseHolder(raw);
    // @NOTE: a claimant that died in the microseconds it held its claim leaves it behind; it is removed
    // here, by name, which two racers doing at once could get wrong. That needs a crash inside a takeover.
    if (!claimant || !(await isRunning(claimant))) await rm(claim, { force: true });
    else await new Promise((resolve) => setTimeout(resolve, 5));
    return;
  }
  try {
    const current = await readFile(lockPath, "utf8").catch(() => undefined);
    if (current === stale) await rm(lockPath, { force: true });
  } finally {
    await rm(claim, { force: true });
  }
}

/** The live process holding `dataDir`, if any (a stale lock counts as none). */
export async function readLockHolder(dataDir: string): Promise<LockHolder | undefined> {
  const raw = await readFile(join(resolve(dataDir), LOCK_FILE), "utf8").catch(() => undefined);
  const holder = raw === undefined ? undefined : parseHolder(raw);
  return holder && (await isRunning(holder)) ? holder : undefined;
}

/**
 * Notes in the lock where this process serves the API, so that `stackledger backup` finds the server
 * of a folder without being told. Only the holder rewrites its lock (write aside, rename over it).
 */
export async function recordServerUrl(dataDir: string, url: string): Promise<void> {
  const lockPath = join(resolve(dataDir), LOCK_FILE);
  const raw = await readFile(lockPath, "utf8").catch(() => undefined);
  const holder = raw === undefined ? undefined : parseHolder(raw);
  const me = await currentProcess();
  if (!holder || holder.pid !== me.pid || holder.startTime !== me.startTime) return;
  const scratch = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(scratch, `${JSON.stringify({ ...holder, url })}\n`, { mode: 0o644 });
  await rename(scratch, lockPath);
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const parsed = LockHolderSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: not a lock this program wrote whole, so nobody holds it.
    return undefined;
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** What the holder runs, for the message of the process it turns away ("stackledger serve", "npm start"). */
function describeCommand(): string {
  const script = basename(process.argv[1] ?? "node").replace(/\.[cm]?[jt]s$/, "");
  if (script === "main") return "npm start";
  const name = script === "cli" ? "stackledger" : script;
  const verb = process.argv.slice(2).find((arg) => !arg.startsWith("-"));
  return verb ? `${name} ${verb}` : name;
}
