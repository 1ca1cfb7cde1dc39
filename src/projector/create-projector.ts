import type { Kysely } from "kysely";
import type { ConnectionTarget } from "../db/connection-string.js";
import type { Database } from "../db/schema.js";
import type { WakeUp } from "../event-log/wake-up.js";
import { copyRowWriter } from "./copy-rows.js";
import type { ProjectionDefinition } from "./definition.js";
import { createFoldHost, type FoldHost } from "./fold-host.js";
import { embeddedLease, type Lease, tryAcquirePostgresLease } from "./lease.js";
import { runJoined } from "./run-joined.js";
import { runProjection } from "./run-projection.js";
import { planSharedFold } from "./shared-fold.js";
import { createSharedReader } from "./shared-reader.js";
import { createSnapshotWriter, type SnapshotPolicy, snapshotPolicyFromEnv } from "./snapshot-writer.js";

export interface ProjectorDeps {
  readonly db: Kysely<Database>;
  readonly logId: string;
  /** The registry: the projector never imports `projections/` itself. */
  readonly projections: readonly ProjectionDefinition<never>[] | readonly ProjectionDefinition<unknown>[];
  /** PostgreSQL URL for the leases' dedicated connections; absent → embedded (single process). */
  readonly databaseUrl?: ConnectionTarget;
  readonly clock?: () => Date;
  /** In-process wake-ups after appends. */
  readonly wakeUp?: WakeUp;
  readonly pollMs?: number;
  readonly log?: (message: string) => void;
  /** Called after change records were committed (wakes the changes feed). */
  readonly onChanges?: () => void;
  /** When states are snapshotted; default from STACKLEDGER_SNAPSHOT_EVERY_EVENTS / _MINUTES. */
  readonly snapshots?: SnapshotPolicy;
  /** False: every projection folds its own state (the way before the shared fold; for comparisons). */
  readonly shareFold?: boolean;
}

export interface Projector {
  /** The shared fold of this process's projections (the API of the same process reads its state). */
  readonly host: FoldHost | undefined;
  /** Resolves once every runner has stopped. */
  stop(): Promise<void>;
}

/**
 * Runs every projection of the registry: for each, one active runner across all processes (advisory-lock
 * lease), the others standing by and retrying. A runner that stops (lease lost, reducer error) is retried
 * after a pause; errors are logged, never swallowed silently.
 */
export function createProjector(deps: ProjectorDeps): Projector {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.log ?? ((message: string) => console.log(`stackledger: ${message}`));
  const pollMs = deps.pollMs ?? 1000;
  let stopped = false;
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...sleepers]) wake();
  };
  const unsubscribe = deps.wakeUp?.subscribe(wakeAll);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const runOne = async (definition: ProjectionDefinition<unknown>) => {
    while (!stopped) {
      let lease: Lease | undefined;
      try {
        lease = deps.databaseUrl
          ? await tryAcquirePostgresLease(deps.databaseUrl, definition.name)
          : embeddedLease();
        if (!lease) {
          await sleep(pollMs * 2);
          continue;
        }
        lease.onNotify(wakeAll);
        const context = {
          db: deps.db,
          logId: deps.logId,
          clock,
          lease,
          idle: () => sleep(pollMs),
          stopped: () => stopped,
          log,
          onChanges: deps.onChanges,
          read: sharedRead,
          snapshots,
          bulkRows: deps.databaseUrl
            ? copyRowWriter(deps.databaseUrl, `stackledger-projector:${definition.name}:build:${process.pid}`)
            : undefined,
        };
        const select = host?.shared.select.get(definition.name);
        if (host && select) await runJoined(definition, context, host, select);
        else await runProjection(definition, context);
      } catch (error) {
        if (!stopped) log(`projection ${definition.name}: runner error: ${(error as Error).message}`);
      } finally {
        await lease?.release();
      }
      if (!stopped) await sleep(pollMs * 2);
    }
  };

  const sharedRead = createSharedReader(deps.db, deps.logId);
  const snapshots = createSnapshotWriter(deps.db, deps.snapshots ?? snapshotPolicyFromEnv(), log);
  const definitions = deps.projections as readonly ProjectionDefinition<unknown>[];
  // One fold for every projection that reads the same state (docs/projections.md §6.11).
  const shared = deps.shareFold === false ? undefined : planSharedFold(definitions);
  const host =
    shared && createFoldHost({ db: deps.db, logId: deps.logId, shared, definitions, snapshots, log });
  const running = definitions.map((definition) => runOne(definition));
  return {
    host,
    async stop() {
      stopped = true;
      unsubscribe?.();
      wakeAll();
      await Promise.all(running);
      // The runners have left the host: the snapshot it held back for them is offered now.
      await host?.flush().catch((error: unknown) => log(`shared fold: ${(error as Error).message}`));
      await snapshots.flush();
    },
  };
}
