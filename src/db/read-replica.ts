import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { CheckoutPool } from "./connect.js";
import { isDatabaseUnavailable } from "./database-unavailable.js";
import type { Database } from "./schema.js";

/** A streaming replica that serves reads, falling back to the primary while it cannot be reached. */
export interface ReadReplica {
  /** Reads only: a replica rejects writes. */
  readonly db: Kysely<Database>;
  /** `fallback` while the replica is unreachable and reads go to the primary. */
  state(): "replica" | "fallback";
  /** How far the replica is behind (undefined when it cannot be asked). */
  lag(): Promise<{ seconds: number; bytes: number } | undefined>;
  close(): Promise<void>;
}

export interface ReadReplicaOptions {
  readonly poolSize?: number;
  readonly connectTimeoutMs: number;
  /** How long reads stay on the primary before the replica is tried again. */
  readonly retryMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Reads from `url` (a hot standby of the primary). The gap-free read path holds on a standby
 * (`pg_current_snapshot()` works there; a replica is only behind, never out of order), and cursors are the
 * same on both, so a reader moved from one to the other neither skips nor repeats: it may only wait.
 */
export function connectReadReplica(
  url: string,
  primary: CheckoutPool,
  options: ReadReplicaOptions,
): ReadReplica {
  const retryMs = options.retryMs ?? 5000;
  const log = options.log ?? ((message: string) => console.warn(`stackledger: ${message}`));
  let fallbackUntil = 0;
  const fallBack = (error: Error) => {
    if (Date.now() >= fallbackUntil)
      log(`read replica unreachable, reading from the primary: ${error.message}`);
    fallbackUntil = Date.now() + retryMs;
  };
  const replica = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    application_name: "stackledger-read",
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
  });
  replica.on("error", fallBack);
  replica.on("connect", (client) => client.on("error", fallBack));

  const pool: CheckoutPool = {
    async connect() {
      if (Date.now() >= fallbackUntil) {
        try {
          return await replica.connect();
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          fallBack(error as Error);
        }
      }
      return primary.connect();
    },
    // The primary's pool belongs to the primary's Kysely instance.
    end: () => replica.end(),
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    state: () => (Date.now() < fallbackUntil ? "fallback" : "replica"),
    async lag() {
      if (Date.now() < fallbackUntil) return undefined;
      try {
        const { rows } = await sql<{ seconds: number | null; bytes: string | null }>`
          select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                      else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as seconds,
                 pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text as bytes`.execute(
          db,
        );
        return { seconds: Number(rows[0]?.seconds ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
      } catch {
        return undefined;
      }
    },
    close: () => db.destroy(),
  };
}
