/**
 * The shape of a projection's pure reducer (the projector's `ProjectionDefinition` adds how its state
 * becomes read-model rows), and the one reducer the three projections share.
 */
import { EVENT_TYPES } from "../events/index.js";
import type { RecordedEvent } from "./event-types.js";
import { applyEvent, createDomainState, type DomainState } from "./state.js";
import { DOMAIN_STATE_CODEC, type StateCodec } from "./state-codec.js";

export interface ProjectionReducer<S> {
  readonly name: string;
  readonly version: number;
  /** Event types the reducer needs; the runner may skip every other type. */
  readonly eventTypes: readonly string[];
  init(): S;
  /** Pure in its inputs and deterministic; it may mutate and return `state` for speed. */
  apply(state: S, event: RecordedEvent): S;
  /** How the state is snapshotted; projections with the same codec kind fold the same state. */
  readonly snapshot?: StateCodec<S>;
}

/**
 * A projection over the shared domain state: it reads every event type (the state keeps every dated fact),
 * so the three projections fold identical states and a process can share its reads among them; they
 * differ only in how they view that state.
 */
export function domainReducer(name: string, version: number): ProjectionReducer<DomainState> {
  return {
    name,
    version,
    eventTypes: EVENT_TYPES,
    init: createDomainState,
    apply: applyEvent,
    snapshot: DOMAIN_STATE_CODEC,
  };
}
