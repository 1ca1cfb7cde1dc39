import pg from "pg";
import { type ConnectionTarget, resolveTarget } from "../db/connection-string.js";

/** Exclusive right to run one projection, across every process on the database. */
export interface Lease {
  /** False once the lock's connection is gone: the runner must stop writing. */
  readonly held: () => boolean;
  /** Resolves on a NOTIFY on `events` (postgres) — a hint to read the log sooner. */
  readonly onNotify: (listener: () => void) => void;
  release(): Promise<void>;
}

const LOCK_CLASS = 0x51ed; // the advisory-lock key space of projection runners

/**
 * Takes a session advisory lock for `name` on a dedicated connection, or returns undefined when another
 * process holds it (that process is active; this one stands by). The same connection LISTENs on `events`.
 */
export async function tryAcquirePostgresLease(
  url: ConnectionTarget,
  name: string,
): Promise<Lease | undefined> {
  const client = new pg.Client({
    connectionString: await resolveTarget(url),
    application_name: `stackledger-projector:${name}:${process.pid}`,
  });
  let held = false;
  const listeners: (() => void)[] = [];
  client.on("error", () => {
    held = false;
  });
  client.on("end", () => {
    held = false;
  });
  client.on("notification", () => {
    for (const listener of listeners) listener();
  });
  try {
    await client.connect();
    const result = await client.query<{ locked: boolean }>(
      "select pg_try_advisory_lock($1, hashtext($2)) as locked",
      [LOCK_CLASS, name],
    );
    if (!result.rows[0]?.locked) {
      await client.end();
      return undefined;
    }
    held = true;
    await client.query("listen events");
  } catch (error) {
    // The database went away half-way: never leave a connection (and maybe the lock) behind.
    held = false;
    await client.end().catch(() => {});
    throw error;
  }
  return {
    held: () => held,
    onNotify: (listener) => listeners.push(listener),
    async release() {
      held = false;
      await client.end().catch(() => {});
    },
  };
}

/** The embedded database serves one process: the lease is always granted. */
export function embeddedLease(): Lease {
  let held = true;
  return {
    held: () => held,
    onNotify: () => {},
    async release() {
      held = false;
    },
  };
}
