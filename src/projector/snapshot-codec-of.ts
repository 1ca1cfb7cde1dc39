import type { StateCodec } from "../domain/state-codec.js";
import type { ProjectionDefinition } from "./definition.js";

/**
 * The codec a projection may take snapshots with: only when its reducer is the codec's own fold. A
 * definition built by spreading another one and replacing `apply` keeps the `snapshot` field, but its
 * states are not the ones the codec's snapshots hold.
 */
export function snapshotCodecOf<S>(definition: ProjectionDefinition<S>): StateCodec<S> | undefined {
  const codec = definition.snapshot;
  return codec && codec.apply === definition.apply ? codec : undefined;
}
