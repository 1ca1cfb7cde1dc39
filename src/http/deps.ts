import type { Kysely } from "kysely";
import type { PoolStats } from "../db/connect.js";
import type { EmbeddedDump } from "../db/dump-embedded.js";
import type { ReadReplica } from "../db/read-replica.js";
import type { Database } from "../db/schema.js";
import type { LogHorizonWatch } from "../event-log/watch-log-horizon.js";
import type { Feed } from "../feed/create-feed.js";
import type { Logger } from "../log/logger.js";
import type { ProjectionDefinition } from "../projector/definition.js";
import type { FoldHost } from "../projector/fold-host.js";
import type { TokenIdentity, TokenRegistry } from "./tokens.js";

/** Everything the HTTP app needs; `createApp(deps)` never reaches for a module singleton. */
export interface AppDeps {
  readonly db: Kysely<Database>;
  /** Request and error logs (none when absent: tests build apps without one). */
  readonly logger?: Logger;
  /** The PostgreSQL pool's connections now, for /metrics. */
  readonly poolStats?: () => PoolStats;
  /**
   * Where reads of the log, streams and views go: a read replica (falling back to the primary while it is
   * away), else `db`. Appends, leases, checkpoints and rebuild requests always use `db`.
   */
  readonly readDb?: Kysely<Database>;
  /**
   * Bytes of current-view and deal-list pages kept per list until their build moves (16 MiB each by default;
   * 0: none). Off with a read replica: its reads fall back to the primary while it is away, so a build and
   * its rows may come from two servers, and a page older than its build must not be kept.
   */
  readonly pageCacheBytes?: number;
  /** The projector's shared fold when it runs in this process: the views read its state. */
  readonly foldHost?: FoldHost;
  /** The read replica's state and lag, for /ready and /metrics. */
  readonly replica?: ReadReplica;
  /** This log's identity (cursors carry it). */
  readonly logId: string;
  readonly tokens: TokenRegistry;
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes: number;
  /** Called after an append commits: the coalesced wake-up of readers. */
  readonly onAppended?: (events: number) => void;
  /** The projections whose views are served (the registry; the app never imports projections/). */
  readonly projections?: readonly ProjectionDefinition<unknown>[];
  /** The change feed of this process (SSE endpoints are mounted only with it). */
  readonly feed?: Feed;
  /** Today's date comes from here (tests run the service "today" on any date). */
  readonly clock?: () => Date;
  /** Extra readiness checks beyond the database (e.g. projections not failed). */
  readonly readiness?: () => Promise<string | undefined>;
  /** The log-ahead-of-cluster check (issue 11): appends and reads answer 503 while it is not ok. */
  readonly logHorizon?: LogHorizonWatch;
  /** A consistent copy of the embedded database (GET /v1/admin/backup); absent on PostgreSQL. */
  readonly backup?: () => Promise<EmbeddedDump>;
}

export type AppEnv = { Variables: { identity: TokenIdentity; requestId: string; log?: Logger } };

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The page caches' size: none where a build and its rows may come from two servers (a replica's fallback). */
export function pageCacheBytes(deps: AppDeps): number | undefined {
  return deps.readDb ? 0 : deps.pageCacheBytes;
}
