import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import type { StateCodec } from "../domain/state-codec.js";
import type { Folded } from "./fold-log.js";
import { encodeAndWriteSnapshot, listSnapshots, type SnapshotInProgress } from "./snapshot-store.js";

/** When the projector saves a state: after this many events or minutes since the last one (0: never). */
export interface SnapshotPolicy {
  readonly everyEvents: number;
  readonly everyMinutes: number;
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicy = { everyEvents: 100_000, everyMinutes: 10 };

export function snapshotPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): SnapshotPolicy {
  const read = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === "") return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0)
      throw new Error(`${name} must be a non-negative number, not "${value}"`);
    return parsed;
  };
  return {
    everyEvents: read("STACKLEDGER_SNAPSHOT_EVERY_EVENTS", DEFAULT_SNAPSHOT_POLICY.everyEvents),
    everyMinutes: read("STACKLEDGER_SNAPSHOT_EVERY_MINUTES", DEFAULT_SNAPSHOT_POLICY.everyMinutes),
  };
}

/** Saves the states the runners of a process offer, at most one write per kind at a time. */
export interface SnapshotWriter {
  /**
   * Called by a runner after a commit, with the state it now holds; when one is due, begins encoding it
   * and resolves once the state may change again (the runner must not fold before), then encodes and writes
   * it in the background. When it resolves to a snapshot in progress, the runner touches each event it folds
   * into that state until the snapshot's records are produced (a copy-on-write snapshot: it resolves at
   * once); otherwise it resolved only after every record was taken.
   */
  offer<S>(codec: StateCodec<S>, folded: Folded<S>): Promise<SnapshotInProgress | undefined>;
  /** Resolves once the writes under way are done. */
  flush(): Promise<void>;
}

interface KindProgress {
  /** Events of the newest snapshot of this kind and version (written or found). */
  events: number;
  at: number;
  writing: Promise<void> | undefined;
}

/**
 * The runners of projections that fold the same state (one codec kind) offer the same states: the writer
 * keeps one snapshot per interval for them all, not one per projection.
 */
export function createSnapshotWriter(
  db: Kysely<Database>,
  policy: SnapshotPolicy,
  log: (message: string) => void,
  now: () => number = Date.now,
): SnapshotWriter {
  const kinds = new Map<string, KindProgress>();
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
    return work;
  };

  return {
    async offer(codec, folded) {
      if (policy.everyEvents <= 0 && policy.everyMinutes <= 0) return;
      const key = `${codec.kind}:${codec.modelVersion}`;
      let progress = kinds.get(key);
      if (!progress) {
        // Learn where the newest snapshot is before deciding (another process may have written it).
        let found: Awaited<ReturnType<typeof listSnapshots>>;
        try {
          found = await listSnapshots(db, codec as StateCodec<unknown>);
        } catch (error) {
          log(`snapshots of ${codec.kind}: cannot list them: ${(error as Error).message}`);
          return;
        }
        progress = kinds.get(key) ?? { events: found[0]?.events ?? 0, at: now(), writing: undefined };
        kinds.set(key, progress);
      }
      if (progress.writing || folded.events <= progress.events) return;
      const byEvents = policy.everyEvents > 0 && folded.events - progress.events >= policy.everyEvents;
      const byTime = policy.everyMinutes > 0 && now() - progress.at >= policy.everyMinutes * 60_000;
      if (!byEvents && !byTime) return;
      const started = now();
      const previous = { events: progress.events, at: progress.at };
      const current = progress;
      current.events = folded.events;
      current.at = started;
      // Claimed before the first await: another runner of the same kind offering meanwhile skips.
      let released: (inProgress: SnapshotInProgress | undefined) => void = () => {};
      const stateReleased = new Promise<SnapshotInProgress | undefined>((resolve) => {
        released = resolve;
      });
      let heldMs = 0;
      const writing = encodeAndWriteSnapshot(db, codec, folded, (inProgress) => {
        heldMs = now() - started;
        released(inProgress);
      });
      current.writing = track(
        writing
          .then((info) => {
            log(
              `snapshot of ${codec.kind} at ${info.events} events: ${info.byteSize} bytes (fold held ${heldMs} ms, encoded and written in ${now() - started} ms)`,
            );
          })
          .catch((error: unknown) => {
            // Not fatal: the fold goes on, and the next offer tries again.
            current.events = previous.events;
            current.at = previous.at;
            log(`snapshot of ${codec.kind} not written: ${(error as Error).message}`);
          })
          .finally(() => {
            current.writing = undefined;
          }),
      );
      // The caller folds again once its state is released; the rest of the encoding, compression and the
      // write go on in the background.
      return Promise.race([stateReleased, writing.then(() => undefined).catch(() => undefined)]);
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
