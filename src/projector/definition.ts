import type { RecordedEvent } from "../domain/event-types.js";
import type { StateCodec } from "../domain/state-codec.js";

/** One row of a read model: a stable key and the JSON body the view serves for it. */
export interface ReadModelRow {
  readonly key: string;
  /** Ascending sort keys give the view's order (compared by code unit, like the "C" collation). */
  readonly sortKey: string;
  readonly body: unknown;
  /** Values of the definition's `columns`, by name (a pure function of `body`). */
  readonly columns?: Readonly<Record<string, unknown>>;
  /** `body` as JSON text, when the definition already has it (saves a stringify per row and step). */
  readonly json?: string;
  /**
   * What `describe` reads of this row when it is a previous row (optional; with `briefSql`): the runner then
   * keeps this and a digest of the row's JSON after writing it, not the JSON (memory for large views).
   */
  readonly brief?: unknown;
}

/** An extra, indexed column of a read-model table, for filters and orders beyond the sort key. */
export interface ReadModelColumn {
  /** snake_case. */
  readonly name: string;
  readonly type: "text" | "text[]" | "float8" | "int4";
  /**
   * btree (text columns in the "C" collation, like sort keys), gin (arrays), or trigram (substring search;
   * only where the pg_trgm extension can be created, else the column stays unindexed); none by default.
   */
  readonly index?: "btree" | "gin" | "trigram";
}

/** The change kinds of architecture.md, as written to `view_changes` and streamed by the feed. */
export type ChangeKind =
  | "layer_gained"
  | "layer_lost"
  | "layer_changed"
  | "control_gained"
  | "control_lost"
  | "edge_added"
  | "edge_removed"
  | "rank_changed"
  | "deal_status_changed";

export interface ViewChange {
  readonly kind: ChangeKind;
  readonly companyId?: string;
  readonly layer?: string;
  readonly customer?: string;
  readonly supplier?: string;
  readonly dealId?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** A sentence a person understands: "spacex gained application via anysphere (acquisition completed)". */
  readonly description: string;
}

/** The answer of `ProjectionDefinition.changesSince`. */
export interface RowChanges {
  /** True: `rows` is the whole view (the projector diffs it against its rows); false: the rows that may have changed. */
  readonly full: boolean;
  /** Complete rows, as `rows` would give them (unchanged ones are allowed: the projector compares). */
  readonly rows: readonly ReadModelRow[];
  /** Keys that may have left the view (only when not `full`; keys still in the view must not be listed). */
  readonly deletes: readonly string[];
  /** Handed back as `since` on the next call for the same state object. */
  readonly mark: unknown;
}

/**
 * A projection as the projector runs it: a pure reducer over its state, and how the state becomes the rows
 * of its read model for a valid date. Everything here is pure; the projector does the I/O.
 */
export interface ProjectionDefinition<S = unknown> {
  readonly name: string;
  /** Bump to rebuild on the next start. */
  readonly version: number;
  /** Event types the reducer reads; others are skipped without being passed to `apply`. */
  readonly eventTypes: readonly string[];
  /** Extra read-model columns (filled from each row's `columns`); none by default. */
  readonly columns?: readonly ReadModelColumn[];
  init(): S;
  /** Deterministic; may mutate and return `state`. Throwing stops the projection (never skips). */
  apply(state: S, event: RecordedEvent): S;
  /**
   * How the folded state is snapshotted (none: the projection always folds from the start). Projections
   * whose codecs share a kind fold the same state from the same events and may share snapshots and folds.
   */
  readonly snapshot?: StateCodec<S>;
  /** The view's rows as of `asOf` (YYYY-MM-DD), in the view's order. */
  rows(state: S, asOf: string): ReadModelRow[];
  /**
   * Incremental view maintenance (optional): what may differ from the rows of the call that returned `since`
   * (undefined: no call yet, answer `full`), for the state as it is now and `asOf`. Several callers may hold
   * marks on one state (the runners of one process share it). Must agree with `rows`: the previous rows with
   * these changes applied are exactly `rows(state, asOf)`. Answers `full` when it cannot tell (another date, a
   * mark it no longer tracks). Absent: the projector computes the whole view at every step.
   */
  changesSince?(state: S, asOf: string, since: unknown): RowChanges;
  /**
   * A mark of the state as it is now, computing no row (optional, with `changesSince`): handed to
   * `changesSince` later with rows computed for the same `asOf` at this point or after it, it answers only
   * what the events folded since may have changed. A projector restarted from a snapshot older than its
   * checkpoint then recomputes what the events since the snapshot touched, not the whole view.
   */
  markNow?(state: S): unknown;
  /**
   * With rows that carry a `brief`: a SQL expression over the stored row's `body` (json) whose value parses
   * to the same brief, for rows read back from the table.
   */
  readonly briefSql?: string;
  /**
   * What changed between two row sets of this projection, for `view_changes`. A previous row is what the
   * runner kept of it: its body, or its `brief` when the definition gives them.
   */
  describe(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): ViewChange[];
}
