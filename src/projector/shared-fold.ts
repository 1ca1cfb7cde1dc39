import type { StateCodec } from "../domain/state-codec.js";
import type { ProjectionDefinition } from "./definition.js";
import { snapshotCodecOf } from "./snapshot-codec-of.js";

/** One fold of the log serving several projections of a process. */
export interface SharedFold {
  /** The projection whose reducer makes the shared state (its init, apply and event types). */
  readonly fold: ProjectionDefinition<unknown>;
  readonly codec: StateCodec<unknown>;
  /** How each served projection reads its own state from the shared one, by projection name. */
  readonly select: ReadonlyMap<string, (state: unknown) => unknown>;
}

const itself = (state: unknown) => state;

/**
 * The fold that serves the most projections: one whose snapshot codec is theirs or holds theirs (a codec's
 * `contains`). A projection it does not serve (another state, or an `apply` that is not its codec's own)
 * folds privately. Undefined when no projection has a codec.
 */
export function planSharedFold(
  definitions: readonly ProjectionDefinition<unknown>[],
): SharedFold | undefined {
  let best: SharedFold | undefined;
  for (const candidate of definitions) {
    const codec = snapshotCodecOf(candidate);
    if (!codec) continue;
    const select = new Map<string, (state: unknown) => unknown>();
    for (const definition of definitions) {
      const own = snapshotCodecOf(definition);
      if (own === undefined) continue;
      if (own === codec) select.set(definition.name, itself);
      else {
        const inner = codec.contains?.find((contained) => contained.codec === own);
        if (inner) select.set(definition.name, inner.select);
      }
    }
    if (!best || select.size > best.select.size) best = { fold: candidate, codec, select };
  }
  return best;
}
