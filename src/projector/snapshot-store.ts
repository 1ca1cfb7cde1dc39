import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import type { OpenSnapshot, StateCodec } from "../domain/state-codec.js";
import { compareLogPositions, type LogPosition } from "../event-log/cursor.js";
import type { Folded } from "./fold-log.js";

/** Snapshots kept per kind: the newest for starts, older ones for knowledge points further back. */
export const SNAPSHOTS_KEPT = 3;

/** A snapshot's identity, without its bytes. */
export interface SnapshotInfo {
  readonly id: number;
  readonly cursor: LogPosition;
  readonly events: number;
  readonly byteSize: number;
}

/** A state ready to be written: encoded and compressed from one consistent point of the fold. */
export interface EncodedSnapshot {
  readonly kind: string;
  readonly modelVersion: number;
  readonly cursor: LogPosition;
  readonly events: number;
  /** Gzipped JSON lines, one record of the codec per line. */
  readonly bytes: Buffer;
  /** Uncompressed size. */
  readonly textBytes: number;
}

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

/**
 * Encodes a folded state into gzipped JSON lines, a slice at a time, the gzip work on the libuv pool. The
 * fold mutates its state in place, so the caller (the runner that owns the state) must not fold until
 * `onStateReleased`; with a codec that can take copy-on-write snapshots (`beginSnapshot`) that is at once,
 * and the caller then touches each event it folds meanwhile (`SnapshotInProgress`); otherwise it is once
 * every record is produced.
 */
export async function encodeSnapshot<S>(
  codec: StateCodec<S>,
  folded: Folded<S>,
  onStateReleased?: (inProgress: SnapshotInProgress | undefined) => void,
  /** How long a slice runs (tests make it 0 to interleave a fold with every record); its share of the loop. */
  options: { sliceMs?: number; dutyCycle?: number } = {},
): Promise<EncodedSnapshot> {
  // Taken now: the caller may move on once the state is released.
  const { cursor, events } = folded;
  const sliceMs = options.sliceMs ?? SLICE_MS;
  const duty = options.dutyCycle ?? DUTY_CYCLE;
  // Level 1: a third of level 6's CPU for ≈ 15% more bytes (91 → 104 MiB at 1M); a snapshot is written far more often than read.
  const gzip = createGzip({ level: 1 });
  const rest = async (worked: number) => {
    const ms = (worked * (1 - duty)) / duty;
    await new Promise((resolve) => (ms >= 1 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  };
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = finished(gzip);
  let textBytes = 0;
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join("");
    textBytes += Buffer.byteLength(text);
    gzip.write(text);
    lines = [];
  };
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
    if (lines.length >= 1000) flush();
    // The clock at every record: producing one (a deal's tuples) costs far more than reading it.
    const worked = performance.now() - sliceStart;
    if (worked >= sliceMs) {
      flush();
      await rest(worked);
      sliceStart = performance.now();
    }
  }
  if (Array.isArray(records)) records.length = 0;
  flush();
  gzip.end();
  await done;
  return {
    kind: codec.kind,
    modelVersion: codec.modelVersion,
    cursor,
    events,
    bytes: Buffer.concat(chunks),
    textBytes,
  };
}

/** Inserts a snapshot, then drops all but the newest few of its kind (and every other version's). */
export async function writeSnapshot(db: Kysely<Database>, snapshot: EncodedSnapshot): Promise<SnapshotInfo> {
  const bytes = snapshot.bytes;
  const checksum = createHash("sha256").update(bytes).digest("hex");
  const row = await db
    .insertInto("state_snapshots")
    .values({
      kind: snapshot.kind,
      model_version: snapshot.modelVersion,
      cursor_xid: snapshot.cursor.xid,
      cursor_position: snapshot.cursor.position,
      events: snapshot.events,
      byte_size: bytes.length,
      checksum,
      state: bytes,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .deleteFrom("state_snapshots")
    .where("kind", "=", snapshot.kind)
    .where(
      "id",
      "not in",
      db
        .selectFrom("state_snapshots")
        .select("id")
        .where("kind", "=", snapshot.kind)
        .where("model_version", "=", snapshot.modelVersion)
        .orderBy("events", "desc")
        .limit(SNAPSHOTS_KEPT),
    )
    .execute();
  return { id: Number(row.id), cursor: snapshot.cursor, events: snapshot.events, byteSize: bytes.length };
}

/** The snapshots of a codec's kind and version, newest first (bytes not read). */
export async function listSnapshots(
  db: Kysely<Database>,
  codec: StateCodec<unknown>,
): Promise<SnapshotInfo[]> {
  const rows = await db
    .selectFrom("state_snapshots")
    .select(["id", "cursor_position", "events", "byte_size", sql<string>`cursor_xid::text`.as("cursor_xid")])
    .where("kind", "=", codec.kind)
    .where("model_version", "=", codec.modelVersion)
    .orderBy("events", "desc")
    .execute();
  return rows.map((row) => ({
    id: Number(row.id),
    cursor: { xid: row.cursor_xid, position: Number(row.cursor_position) },
    events: Number(row.events),
    byteSize: row.byte_size,
  }));
}

/**
 * The newest trustworthy snapshot at or before `until` (any, without it), decoded into a fold to continue.
 * A snapshot whose bytes do not match their checksum or do not decode is logged and skipped (the next
 * older one is tried); undefined when none is usable: the caller folds from the start.
 */
export async function loadSnapshot<S>(
  db: Kysely<Database>,
  codec: StateCodec<S>,
  options: { until?: LogPosition; log?: (message: string) => void; chunkBytes?: number } = {},
): Promise<Folded<S> | undefined> {
  const log = options.log ?? ((message: string) => console.log(`stackledger: ${message}`));
  const candidates = (await listSnapshots(db, codec as StateCodec<unknown>)).filter(
    (info) => !options.until || compareLogPositions(info.cursor, options.until) <= 0,
  );
  for (const info of candidates) {
    try {
      const records = await readSnapshotRecords(db, info.id, options.chunkBytes ?? CHUNK_BYTES);
      if (!records) continue; // pruned since it was listed
      const state = codec.decode(records);
      return { state, cursor: info.cursor, events: info.events };
    } catch (error) {
      log(
        `snapshot ${info.id} of ${codec.kind} (v${codec.modelVersion}, ${info.events} events) skipped: ${(error as Error).message}`,
      );
    }
  }
  return undefined;
}

/** Bytes read per statement: a bytea comes back as hex text, twice its size, in one string. */
const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * A snapshot's records, streamed: its bytes are read a slice at a time (in one piece, a state of a few million
 * events, 476 MB at 5M, comes back as a hex string longer than V8's longest string, which pg's parser throws
 * on the socket, and the process dies — at every start), inflated on zlib's thread while the next slice is
 * read, and parsed a line at a time as they come: reading, inflating and parsing overlap (one after the
 * other they took 3 + 7 + 6 s at 1M), and neither the compressed bytes nor the text are ever held whole.
 * The checksum covers every byte read; on a mismatch that is the error, whatever failed first.
 */
async function readSnapshotRecords(
  db: Kysely<Database>,
  id: string | number,
  chunkBytes: number,
): Promise<unknown[] | undefined> {
  const head = await db
    .selectFrom("state_snapshots")
    .select(["checksum", sql<number>`octet_length(state)`.as("size")])
    .where("id", "=", id as never)
    .executeTakeFirst();
  if (!head) return undefined;
  const hash = createHash("sha256");
  let pruned = false;
  const slices = async function* () {
    for (let from = 0; from < head.size; from += chunkBytes) {
      const part = await db
        .selectFrom("state_snapshots")
        .select(sql<Buffer>`substring(state from ${from + 1} for ${chunkBytes})`.as("part"))
        .where("id", "=", id as never)
        .executeTakeFirst();
      if (!part) {
        pruned = true;
        return;
      }
      hash.update(part.part);
      yield part.part;
    }
  };
  const source = slices();
  const records: unknown[] = [];
  const pending: Buffer[] = [];
  try {
    const text = Readable.from(source).pipe(createGunzip({ chunkSize: 256 * 1024 }));
    for await (const chunk of text) takeLines(chunk as Buffer, pending, records);
    takeLines(Buffer.from("\n"), pending, records);
  } catch (error) {
    // Read what is left into the checksum: a damaged snapshot is reported as such, not as the symptom.
    for await (const _ of source);
    if (!pruned && hash.digest("hex") !== head.checksum) throw new Error("checksum mismatch");
    throw error;
  }
  if (pruned) return undefined;
  if (hash.digest("hex") !== head.checksum) throw new Error("checksum mismatch");
  return records;
}

/**
 * Parses the complete lines of the text as it is inflated into `records` (never one string: a line's start
 * is kept in `pending` until its end arrives).
 */
export function takeLines(chunk: Buffer, pending: Buffer[], records: unknown[]): void {
  let start = 0;
  for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
    const line = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(start, end)]) : undefined;
    pending.length = 0;
    if (line) {
      if (line.length > 0) records.push(JSON.parse(line.toString("utf8")));
    } else if (end > start) records.push(JSON.parse(chunk.toString("utf8", start, end)));
    start = end + 1;
  }
  if (start < chunk.length) pending.push(chunk.subarray(start));
}
