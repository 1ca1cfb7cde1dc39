/**
 * Encodes a folded state into gzipped JSON lines as background work, handing the compressed bytes to a sink
 * as they come (the store writes them a part at a time; nothing holds the whole snapshot).
 */
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { createGzip } from "node:zlib";
import type { OpenSnapshot, StateCodec } from "../domain/state-codec.js";
import type { Folded } from "./fold-log.js";

/** How long the encoder runs before it lets the event loop serve others (HTTP, the other runners). */
const SLICE_MS = 10;
/**
 * The share of the event loop the encoder takes while it runs: after each slice it rests three times as long.
 * A snapshot is background work; at a million events its serialization is seconds of CPU, and at full speed
 * it (and the gzip threads it feeds, and the garbage it makes) held the live fold back for seconds.
 */
const DUTY_CYCLE = 0.25;

/**
 * What the owner of a state does while a snapshot of it is encoded and its fold goes on: `touch` each event
 * before folding it into that state (a no-op once `produced`).
 */
export type SnapshotInProgress = Pick<OpenSnapshot, "touch" | "produced">;

/** Takes the compressed bytes in order; the encoder waits for it (a slow sink slows the encoder, not memory). */
export type SnapshotSink = (chunk: Buffer) => Promise<void> | void;

export interface EncodeOptions {
  /** How long a slice runs (tests make it 0 to interleave a fold with every record). */
  readonly sliceMs?: number;
  /** The encoder's share of the event loop. */
  readonly dutyCycle?: number;
}

/**
 * Encodes a folded state into gzipped JSON lines, a slice at a time, the gzip work on the libuv pool, each
 * compressed chunk handed to `sink` as it comes. The fold mutates its state in place, so the caller (the
 * runner that owns the state) must not fold until `onStateReleased`; with a codec that can take
 * copy-on-write snapshots (`beginSnapshot`) that is at once, and the caller then touches each event it folds
 * meanwhile (`SnapshotInProgress`); otherwise it is once every record is produced. Returns the text's size.
 */
export async function encodeSnapshotInto<S>(
  codec: StateCodec<S>,
  folded: Folded<S>,
  sink: SnapshotSink,
  onStateReleased?: (inProgress: SnapshotInProgress | undefined) => void,
  options: EncodeOptions = {},
): Promise<{ textBytes: number }> {
  const sliceMs = options.sliceMs ?? SLICE_MS;
  const duty = options.dutyCycle ?? DUTY_CYCLE;
  // Level 1: a third of level 6's CPU for ≈ 15% more bytes (91 → 104 MiB at 1M); a snapshot is written far more often than read.
  const gzip = createGzip({ level: 1 });
  const draining = (async () => {
    for await (const chunk of gzip) await sink(chunk as Buffer);
  })();
  draining.catch(() => {}); // awaited below; a failure also stops the writes (see `write`)
  const write = async (text: string) => {
    if (gzip.destroyed) await draining; // the sink failed: its error
    if (!gzip.write(text)) await Promise.race([once(gzip, "drain"), draining]);
  };
  const rest = async (worked: number) => {
    const ms = (worked * (1 - duty)) / duty;
    await new Promise((resolve) => (ms >= 1 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  };
  let textBytes = 0;
  let lines: string[] = [];
  const flush = async () => {
    if (lines.length === 0) return;
    const text = lines.join("");
    lines = [];
    textBytes += Buffer.byteLength(text);
    await write(text);
  };
  try {
    let records: Iterable<unknown>;
    if (codec.beginSnapshot) {
      // Copy-on-write: the small parts are taken now, each deal as the iteration reaches it, or before the
      // fold changes it. The fold goes on at once (the first slice waits for the next turn), between slices.
      const open = codec.beginSnapshot(folded.state);
      records = open.records;
      onStateReleased?.(open);
      await new Promise((resolve) => setImmediate(resolve));
    } else {
      // One synchronous pass (the fold waits), then the state is released: the records are fresh tuples
      // holding only values the fold never changes in place (it replaces a corrected fact's data, it does not
      // edit it), so the fold can go on while they are serialized.
      records = [...codec.encode(folded.state)];
      onStateReleased?.(undefined);
    }
    let sliceStart = performance.now();
    for (const record of records) {
      lines.push(`${JSON.stringify(record)}\n`);
      if (lines.length >= 1000) await flush();
      // The clock at every record: producing one (a deal's tuples) costs far more than reading it.
      const worked = performance.now() - sliceStart;
      if (worked >= sliceMs) {
        await flush();
        await rest(worked);
        sliceStart = performance.now();
      }
    }
    if (Array.isArray(records)) records.length = 0;
    await flush();
    gzip.end();
    await draining;
  } catch (error) {
    gzip.destroy();
    throw error;
  }
  return { textBytes };
}
