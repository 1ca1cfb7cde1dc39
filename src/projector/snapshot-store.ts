import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import type { StateCodec } from "../domain/state-codec.js";
import { compareLogPositions, type LogPosition } from "../event-log/cursor.js";
import type { Folded } from "./fold-log.js";
import { type EncodeOptions, encodeSnapshotInto, type SnapshotInProgress } from "./snapshot-encoder.js";
import { snapshotsToKeep } from "./snapshot-retention.js";

export type { SnapshotInProgress } from "./snapshot-encoder.js";

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

/**
 * Encodes a state into one buffer (tests, tools): `writeSnapshot` then stores it as the projector's writer
 * does, a part at a time.
 */
export async function encodeSnapshot<S>(
  codec: StateCodec<S>,
  folded: Folded<S>,
  onStateReleased?: (inProgress: SnapshotInProgress | undefined) => void,
  options: EncodeOptions = {},
): Promise<EncodedSnapshot> {
  // Taken now: the caller may move on once the state is released.
  const { cursor, events } = folded;
  const chunks: Buffer[] = [];
  const { textBytes } = await encodeSnapshotInto(
    codec,
    folded,
    (chunk) => {
      chunks.push(chunk);
    },
    onStateReleased,
    options,
  );
  const bytes = Buffer.concat(chunks);
  return { kind: codec.kind, modelVersion: codec.modelVersion, cursor, events, bytes, textBytes };
}

/** Bytes per part: an insert of 4 MiB is a transaction of tens of milliseconds. */
const PART_BYTES = 4 * 1024 * 1024;

type SnapshotHeader = Pick<EncodedSnapshot, "kind" | "modelVersion" | "cursor" | "events">;

/**
 * Stores a snapshot a part at a time as its bytes come, each part its own short transaction: one insert of a
 * whole state held a transaction id for seconds, and every reader of the log waits behind the oldest one
 * running (`read-all.ts`). The row is `complete` (listed and read) only once every part is in; then the kind's
 * snapshots are pruned (`pruneSnapshots`).
 */
function openSnapshotWrite(db: Kysely<Database>, header: SnapshotHeader, partBytes = PART_BYTES) {
  const hash = createHash("sha256");
  let id: string | number | undefined;
  let parts = 0;
  let size = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const writePart = async () => {
    if (pendingBytes === 0) return;
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    id ??= (
      await db
        .insertInto("state_snapshots")
        .values({
          kind: header.kind,
          model_version: header.modelVersion,
          cursor_xid: header.cursor.xid,
          cursor_position: header.cursor.position,
          events: header.events,
          byte_size: 0,
          checksum: "",
          state: new Uint8Array(0),
          complete: false,
        })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;
    await db.insertInto("state_snapshot_parts").values({ snapshot_id: id, part: parts, bytes }).execute();
    parts += 1;
  };
  return {
    async write(chunk: Buffer) {
      hash.update(chunk);
      size += chunk.length;
      for (let from = 0; from < chunk.length; ) {
        const take = chunk.subarray(from, from + partBytes - pendingBytes);
        pending.push(take);
        pendingBytes += take.length;
        from += take.length;
        if (pendingBytes >= partBytes) await writePart();
      }
    },
    async end(): Promise<SnapshotInfo> {
      await writePart();
      if (id === undefined) throw new Error("snapshot: no bytes");
      const written = await db
        .updateTable("state_snapshots")
        .set({ parts, byte_size: size, checksum: hash.digest("hex"), complete: true })
        .where("id", "=", id as never)
        .executeTakeFirst();
      if (Number(written.numUpdatedRows) !== 1) throw new Error("snapshot: removed while it was written");
      await pruneSnapshots(db, header);
      return { id: Number(id), cursor: header.cursor, events: header.events, byteSize: size };
    },
    /** A write given up: its row and parts go. */
    async abandon() {
      if (id !== undefined)
        await db
          .deleteFrom("state_snapshots")
          .where("id", "=", id as never)
          .execute();
    },
  };
}

/**
 * Drops the complete snapshots of a kind and version that `snapshotsToKeep` does not keep (the newest few,
 * and a few spread along the log for knowledge points further back), every snapshot of its other versions,
 * and incomplete ones not newer than `header` (a write a stopped process left; a newer one may be under way
 * in another process).
 */
async function pruneSnapshots(db: Kysely<Database>, header: SnapshotHeader) {
  const complete = await db
    .selectFrom("state_snapshots")
    .select(["id", "events"])
    .where("kind", "=", header.kind)
    .where("model_version", "=", header.modelVersion)
    .where("complete", "=", true)
    .execute();
  const points = complete.map((row) => ({ id: Number(row.id), events: Number(row.events) }));
  const keep = snapshotsToKeep(points);
  // Only snapshots listed here: another process's, completed since, is not this prune's to judge.
  const drop = points.map((point) => point.id).filter((id) => !keep.has(id));
  await db
    .deleteFrom("state_snapshots")
    .where("kind", "=", header.kind)
    .where((eb) =>
      eb.or([
        eb("model_version", "!=", header.modelVersion),
        eb.and([eb("complete", "=", false), eb("events", "<=", header.events)]),
        eb("id", "in", drop.length > 0 ? drop : [-1]),
      ]),
    )
    .execute();
}

/** Stores an encoded snapshot (a part at a time, as the projector's writer does; `partBytes`: tests). */
export async function writeSnapshot(
  db: Kysely<Database>,
  snapshot: EncodedSnapshot,
  options: { partBytes?: number } = {},
): Promise<SnapshotInfo> {
  const write = openSnapshotWrite(db, snapshot, options.partBytes);
  try {
    for (let from = 0; from < snapshot.bytes.length; from += PART_BYTES)
      await write.write(snapshot.bytes.subarray(from, from + PART_BYTES));
    return await write.end();
  } catch (error) {
    await write.abandon().catch(() => {});
    throw error;
  }
}

/**
 * Encodes a folded state and stores it as it is compressed (`encodeSnapshotInto`, `openSnapshotWrite`):
 * neither the text nor the compressed bytes are ever held whole. Holding 100 MB of compressed output until
 * the end made V8 start marking the whole heap ("external memory pressure") twice per snapshot at 1M, seconds
 * of main-thread work the live fold waited behind.
 */
export async function encodeAndWriteSnapshot<S>(
  db: Kysely<Database>,
  codec: StateCodec<S>,
  folded: Folded<S>,
  onStateReleased?: (inProgress: SnapshotInProgress | undefined) => void,
  options: EncodeOptions & { partBytes?: number } = {},
): Promise<SnapshotInfo> {
  const header = {
    kind: codec.kind,
    modelVersion: codec.modelVersion,
    cursor: folded.cursor,
    events: folded.events,
  };
  const write = openSnapshotWrite(db, header, options.partBytes);
  try {
    await encodeSnapshotInto(codec, folded, (chunk) => write.write(chunk), onStateReleased, options);
    return await write.end();
  } catch (error) {
    await write.abandon().catch(() => {});
    throw error;
  }
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
    .where("complete", "=", true)
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
    .select(["checksum", "parts", sql<number>`octet_length(state)`.as("size")])
    .where("id", "=", id as never)
    .executeTakeFirst();
  if (!head) return undefined;
  const hash = createHash("sha256");
  let pruned = false;
  const headGone = async () =>
    !(await db
      .selectFrom("state_snapshots")
      .select("id")
      .where("id", "=", id as never)
      .executeTakeFirst());
  // Parts (as the projector writes them), or slices of `state` (snapshots written before parts).
  const read =
    head.parts > 0
      ? async (index: number) =>
          (
            await db
              .selectFrom("state_snapshot_parts")
              .select("bytes")
              .where("snapshot_id", "=", id as never)
              .where("part", "=", index)
              .executeTakeFirst()
          )?.bytes as Buffer | undefined
      : async (index: number) =>
          (
            await db
              .selectFrom("state_snapshots")
              .select(
                sql<Buffer>`substring(state from ${index * chunkBytes + 1} for ${chunkBytes})`.as("part"),
              )
              .where("id", "=", id as never)
              .executeTakeFirst()
          )?.part;
  const count = head.parts > 0 ? head.parts : Math.ceil(head.size / chunkBytes);
  const slices = async function* () {
    for (let index = 0; index < count; index++) {
      const bytes = await read(index);
      if (!bytes) {
        if (await headGone()) {
          pruned = true;
          return;
        }
        throw new Error(`part ${index} of ${count} missing`);
      }
      hash.update(bytes);
      yield bytes;
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
