/** Helpers of the snapshot tests: folding a log in memory, and reading back what the encoder wrote. */
import { gunzipSync } from "node:zlib";
import type { RecordedEvent, StateCodec } from "../../src/domain/index.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";

export function fold<S>(
  definition: ProjectionDefinition<S>,
  events: readonly RecordedEvent[],
  state = definition.init(),
): S {
  let folded = state;
  for (const event of events) folded = definition.apply(folded, event);
  return folded;
}

/** A snapshot's bytes (gzipped JSON lines) decoded, as the store loads them. */
export const decodeBytes = <S>(codec: StateCodec<S>, bytes: Buffer): S =>
  codec.decode(
    gunzipSync(bytes)
      .toString("utf8")
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line)),
  );

/** A state's records as plain JSON values (comparable with `toEqual`). */
export const records = <S>(codec: StateCodec<S>, state: S): unknown =>
  JSON.parse(JSON.stringify([...codec.encode(state)]));
