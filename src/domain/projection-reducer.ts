/**
 * The shape of a projection's pure reducer.
 *
 * @NOTE `src/projector/` did not define its definition types yet; this is the shape the projections implement.
 * The projector can import it from here or re-declare it structurally.
 */
import type { RecordedEvent } from "./event-types.js";

export interface ProjectionReducer<S> {
  readonly name: string;
  readonly version: number;
  /** Event types the reducer needs; the runner may skip every other type. */
  readonly eventTypes: readonly string[];
  init(): S;
  /** Pure in its inputs and deterministic; it may mutate and return `state` for speed. */
  apply(state: S, event: RecordedEvent): S;
}
