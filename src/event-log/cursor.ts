import { MalformedCursorError, UnservableCursorError } from "./errors.js";

/** A place in the log's delivery order: (xid, position). `xid` is a decimal string (xid8 is 64-bit). */
export interface LogPosition {
  readonly xid: string;
  readonly position: number;
}

/** Before the first event. */
export const START: LogPosition = { xid: "0", position: 0 };
/** The token clients may send (and receive on an empty log) for the beginning of the log. */
export const START_TOKEN = "start";

/** Which sequence a cursor belongs to: the event log, or the projections' change records. */
export type CursorKind = "event" | "change";
const FORMATS: Record<CursorKind, string> = { event: "1", change: "c1" };
const MAX_XID8 = 2n ** 64n - 1n;
const SHAPE = /^(1|c1)\.([0-9a-f]{12})\.(\d{1,20})\.(\d{1,19})$/;

/**
 * Opaque cursor: base64url of `format.logId.xid.position`. The log id (a prefix of the random id the
 * migration gave this database) lets us tell a cursor from another database (410) from garbage (400).
 */
export function encodeCursor(logId: string, at: LogPosition, kind: CursorKind = "event"): string {
  if (at.position === 0 && at.xid === "0") return START_TOKEN;
  return Buffer.from(`${FORMATS[kind]}.${logId.slice(0, 12)}.${at.xid}.${at.position}`).toString("base64url");
}

/**
 * Parses a cursor token; `start` is the beginning. Throws 400 for garbage or a cursor of the other
 * sequence, and 410 for another log's cursor.
 */
export function decodeCursor(
  logId: string,
  token: string,
  path = "after",
  kind: CursorKind = "event",
): LogPosition {
  if (token === START_TOKEN) return START;
  if (token.length > 96 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new MalformedCursorError(path);
  const match = SHAPE.exec(Buffer.from(token, "base64url").toString("latin1"));
  if (!match) throw new MalformedCursorError(path);
  const [, format, id, xid, position] = match as unknown as [string, string, string, string, string];
  if (format !== FORMATS[kind])
    throw new MalformedCursorError(path, `is a cursor of the ${kind === "event" ? "change" : "event"} feed`);
  if (id !== logId.slice(0, 12)) throw new UnservableCursorError();
  // Digits that fit the shape can still be out of range: beyond xid8 or past exact doubles (a position of
  // 2^63 read as a Number is rounded up, then refused by PostgreSQL after the SSE response has started).
  const xidValue = BigInt(xid);
  const positionValue = Number(position);
  if (xidValue > MAX_XID8 || !Number.isSafeInteger(positionValue)) {
    throw new MalformedCursorError(path, "is out of range");
  }
  return { xid: xidValue.toString(), position: positionValue };
}

/**
 * Delivery-order comparison. xids are canonical decimal strings (no leading zeros), so a longer one is
 * larger and equal lengths compare as text: no BigInt on this hot path (the feed compares per subscriber).
 */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  if (a.xid !== b.xid) {
    if (a.xid.length !== b.xid.length) return a.xid.length - b.xid.length;
    return a.xid < b.xid ? -1 : 1;
  }
  return a.position - b.position;
}
