import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { TokenIdentity, TokenRegistry } from "./tokens.js";

/** Everything the HTTP app needs; `createApp(deps)` never reaches for a module singleton. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  /** This log's identity (cursors carry it). */
  readonly logId: string;
  readonly tokens: TokenRegistry;
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes: number;
  /** Called after an append commits: the coalesced wake-up of readers. */
  readonly onAppended?: () => void;
  /** Extra readiness checks beyond the database (e.g. projections not failed). */
  readonly readiness?: () => Promise<string | undefined>;
}

export type AppEnv = { Variables: { identity: TokenIdentity; requestId: string } };

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
