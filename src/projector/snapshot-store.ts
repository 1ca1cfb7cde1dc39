import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import type { StateCodec } from "../domain/state-codec.js";
import { compareLogPositions, type LogPosition } from "../event-log/cursor.js";
import type { Folded } from "./fold-log.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Snapshots kept per kind: the newest for starts, older ones for knowledge points further back. */
export const SNAPSHOTS_KEPT = 3;

/** A snapshot's identity, without its bytes. */
export interface SnapshotInfo {
  readonly id: number;
  readonly cursor: LogPosition;
  readonly events: number;
  readonly byteSize: number;
}

/** A state ready to be written: encoded and stringified at one consistent point of the fold. */
export interface EncodedSnapshot {
  readonly kind: string;
  readonly modelVersion: number;
  readonly cursor: LogPosition;
  readonly events: number;
  readonly json: string;
}

/**
 * Encodes a folded state synchronously: the fold mutates its state in place, so this is the one part that
 * must not interleave with it. Compressing and writing (`writeSnapshot`) can then run beside the fold.
 */
export function encodeSnapshot<S>(codec: StateCodec<S>, folded: Folded<S>): EncodedSnapshot {
  return {
    kind: codec.kind,
    modelVersion: codec.modelVersion,
    cursor: folded.cursor,
    events: folded.events,
    json: JSON.stringify(codec.encode(folded.state)),
  };
}

/** Gzips (on the libuv pool) and inserts a snapshot, then drops all but the newest few of its kind. */
export async function writeSnapshot(db: Kysely<Database>, snapshot: EncodedSnapshot): Promise<SnapshotInfo> {
  const bytes = await gzipAsync(Buffer.from(snapshot.json), { level: 6 });
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
  options: { until?: LogPosition; log?: (message: string) => void } = {},
): Promise<Folded<S> | undefined> {
  const log = options.log ?? ((message: string) => console.log(`stackledger: ${message}`));
  const candidates = (await listSnapshots(db, codec as StateCodec<unknown>)).filter(
    (info) => !options.until || compareLogPositions(info.cursor, options.until) <= 0,
  );
  for (const info of candidates) {
    const row = await db
      .selectFrom("state_snapshots")
      .select(["state", "checksum"])
      .where("id", "=", info.id)
      .executeTakeFirst();
    if (!row) continue; // pruned since it was listed
    try {
      const bytes = Buffer.from(row.state);
      const checksum = createHash("sha256").update(bytes).digest("hex");
      if (checksum !== row.checksum) throw new Error("checksum mismatch");
      const state = codec.decode(JSON.parse((await gunzipAsync(bytes)).toString()));
      return { state, cursor: info.cursor, events: info.events };
    } catch (error) {
      log(
        `snapshot ${info.id} of ${codec.kind} (v${codec.modelVersion}, ${info.events} events) skipped: ${(error as Error).message}`,
      );
    }
  }
  return undefined;
}
