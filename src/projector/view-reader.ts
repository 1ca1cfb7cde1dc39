import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { compareLogPositions, type LogPosition } from "../event-log/cursor.js";
import { type LiveBuild, readLiveBuild } from "./build-store.js";
import type { ProjectionDefinition, ReadModelRow } from "./definition.js";
import type { FoldHost } from "./fold-host.js";
import { type Folded, foldLog } from "./fold-log.js";
import { createPageCache } from "./page-cache.js";
import { type PageRow, type ReadRowsOptions, readRows } from "./read-model-table.js";
import { planSharedFold } from "./shared-fold.js";
import { snapshotCodecOf } from "./snapshot-codec-of.js";
import { loadSnapshot } from "./snapshot-store.js";

export interface ViewReaderDeps {
  readonly db: Kysely<Database>;
  readonly logId: string;
  readonly projections: readonly ProjectionDefinition<unknown>[];
  readonly log?: (message: string) => void;
  /** The fold host of a projector running in this process: its state answers the head (no fold of our own). */
  readonly host?: FoldHost;
  /** Bytes of current-view pages kept to answer the same page again until its build moves (16 MiB; 0: none). */
  readonly pageCacheBytes?: number;
}

/** A page of read-model rows, in view order. */
export interface RowsPage {
  readonly build: LiveBuild;
  readonly rows: PageRow[];
}

/**
 * What the view endpoints read: the live read model (current views) and, for a past valid date or
 * knowledge point, the same reducers folded in memory. The head fold is kept per process and advanced
 * incrementally, so an as-of query at the head costs one view computation, not a fold of the log; the
 * first one (and each knowledge point) starts from the newest snapshot at or before the point it needs.
 * Projections whose states are the same fold (one snapshot kind) share one head and one past fold.
 */
export interface ViewReader {
  /** The live build (undefined before the first build finishes). */
  liveBuild(name: string): Promise<LiveBuild | undefined>;
  /** Rows of the live build after `afterOrd`; retries once if a swap dropped the table mid-read. */
  rows(name: string, options: ReadRowsOptions): Promise<RowsPage | undefined>;
  /** The projection's state folded up to `knownAt` (default: the readable end of the log). */
  folded(name: string, knownAt?: LogPosition): Promise<Folded<unknown>>;
  /**
   * The view of a folded state at a date, in view order: its definition's rows, kept for the last few
   * (state, position, date) asked, so that the pages of one view, and the same page asked again, cost a
   * slice, not the whole view (at 5M events 440,000 edges: ≈ 0.7 s a page).
   */
  viewRows(name: string, folded: Folded<unknown>, asOf: string): readonly ReadModelRow[];
  /** The definition registered under `name`. */
  definition(name: string): ProjectionDefinition<unknown>;
}

/** Views kept by `viewRows`: a dashboard flips between a few dates and knowledge points. */
const VIEWS_KEPT = 4;

export function createViewReader(deps: ViewReaderDeps): ViewReader {
  const byName = new Map(deps.projections.map((p) => [p.name, p]));
  const heads = new Map<string, Promise<Folded<unknown>>>();
  const pastFolds = new Map<string, Promise<Folded<unknown>>>();
  // The state is held weakly: a kept view must not keep a past fold alive that `pastFolds` let go.
  const views = new Map<
    string,
    { name: string; asOf: string; state: WeakRef<object>; rows: readonly ReadModelRow[] }
  >();
  // Dashboards ask for the same first pages again and again: a repeated page of an unmoved build costs the
  // build's lookup, not the rows' read.
  const pages = createPageCache<PageRow>(deps.pageCacheBytes);

  const definition = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`unknown projection ${name}`);
    return found;
  };

  // One fold serves every projection that reads the same state (docs/projections.md §6.11); the others
  // fold their own.
  const plan = planSharedFold(deps.projections);
  const host = deps.host && plan && deps.host.shared.codec === plan.codec ? deps.host : undefined;
  const foldOf = (name: string) => (plan?.select.has(name) ? plan.fold : definition(name));
  const foldKey = (name: string) => {
    const codec = snapshotCodecOf(foldOf(name));
    return codec ? `${codec.kind}@${codec.modelVersion}` : `projection:${name}`;
  };
  const viewOf = (name: string, folded: Folded<unknown>): Folded<unknown> => {
    const select = plan?.select.get(name);
    return select ? { state: select(folded.state), cursor: folded.cursor, events: folded.events } : folded;
  };

  const start = async (name: string, until?: LogPosition) => {
    const fold = foldOf(name);
    const codec = snapshotCodecOf(fold);
    const from = codec ? await loadSnapshot(deps.db, codec, { until, log: deps.log }) : undefined;
    return foldLog(deps.db, deps.logId, fold, { from, until });
  };

  // Catch-ups of one head run one after another; each continues from the previous result.
  const head = async (name: string): Promise<Folded<unknown>> => {
    if (host && plan?.select.has(name)) {
      await host.catchUp();
      return viewOf(name, host.folded!);
    }
    const key = foldKey(name);
    const previous = heads.get(key);
    const next = (async () => {
      const from = previous ? await previous.catch(() => undefined) : undefined;
      return from ? foldLog(deps.db, deps.logId, foldOf(name), { from }) : start(name);
    })();
    heads.set(key, next);
    return viewOf(name, await next);
  };

  return {
    definition,
    liveBuild: (name) => readLiveBuild(deps.db, name),

    viewRows(name, folded, asOf) {
      // A head state moves on in place: its position is part of the key, and the state itself tells a head
      // from a past fold that stopped at the same position.
      const key = `${name}|${asOf}|${folded.cursor.xid}:${folded.cursor.position}`;
      const kept = views.get(key);
      if (kept !== undefined && kept.state.deref() === folded.state) return kept.rows;
      const rows = definition(name).rows(folded.state, asOf);
      // The same view of the same state at an earlier position can never be asked again: replaced, not kept.
      for (const [other, view] of views)
        if (view.name === name && view.asOf === asOf && view.state.deref() === folded.state)
          views.delete(other);
      views.delete(key);
      views.set(key, { name, asOf, state: new WeakRef(folded.state as object), rows });
      if (views.size > VIEWS_KEPT) views.delete(views.keys().next().value as string);
      return rows;
    },

    async rows(name, options) {
      for (let attempt = 0; ; attempt += 1) {
        const build = await readLiveBuild(deps.db, name);
        if (!build) return undefined;
        try {
          const read = () => readRows(deps.db, build.table, options);
          return { build, rows: await (pages ? pages.page(build, build.table, options, read) : read()) };
        } catch (error) {
          // A rebuild swapped builds and dropped the old table between the two statements.
          if (attempt > 0 || !/does not exist/.test((error as Error).message)) throw error;
        }
      }
    },

    async folded(name, knownAt) {
      const current = await head(name);
      if (!knownAt || compareLogPositions(knownAt, current.cursor) >= 0) return current;
      const key = `${foldKey(name)}:${knownAt.xid}:${knownAt.position}`;
      let past = pastFolds.get(key);
      if (!past) {
        past = start(name, knownAt);
        pastFolds.set(key, past);
        // Keep a few knowledge points: dashboards tend to look at the same one repeatedly.
        if (pastFolds.size > 4) pastFolds.delete(pastFolds.keys().next().value as string);
        past.catch(() => pastFolds.delete(key));
      }
      return viewOf(name, await past);
    },
  };
}
