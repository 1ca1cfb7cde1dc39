/**
 * Everything the three views derive for one valid date D, computed once per (state version, D).
 */
import { type ControlAt, controlAt } from "./control.js";
import { type CompanyPresence, presenceAt } from "./presence.js";
import { type DomainState, memoize } from "./state.js";

export interface WorldAt {
  readonly day: number;
  readonly control: ControlAt;
  /** Presence of every company holding or planning a layer at D (absent: none). */
  readonly presence: ReadonlyMap<string, CompanyPresence>;
}

/** Control and presence at D, memoized on the state for its current version. */
export function worldAt(state: DomainState, day: number): WorldAt {
  return memoize(state, `world:${day}`, () => {
    const control = controlAt(state, day);
    let presence: ReadonlyMap<string, CompanyPresence> | undefined;
    // Presence is computed on first use: the dependency view needs only control.
    return {
      day,
      control,
      get presence() {
        presence ??= presenceAt(state, day, control);
        return presence;
      },
    };
  });
}
