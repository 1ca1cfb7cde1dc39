import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareLogPositions, decodeCursor, encodeCursor, START, START_TOKEN } from "./cursor.js";
import { MalformedCursorError, UnservableCursorError } from "./errors.js";

const LOG = "0123456789abcdef0123456789abcdef";
const position = fc.record({
  xid: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  position: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
});

describe("cursors", () => {
  it("round-trip any (xid, position) of either kind", () => {
    fc.assert(
      fc.property(position, fc.constantFrom("event" as const, "change" as const), (at, kind) => {
        expect(decodeCursor(LOG, encodeCursor(LOG, at, kind), "after", kind)).toEqual(at);
      }),
    );
  });

  it("use `start` for the beginning", () => {
    expect(encodeCursor(LOG, START)).toBe(START_TOKEN);
    expect(decodeCursor(LOG, START_TOKEN)).toEqual(START);
  });

  it("refuse garbage (400), the other feed's kind (400) and another log (410)", () => {
    const at = { xid: "42", position: 7 };
    expect(() => decodeCursor(LOG, "not a cursor")).toThrow(MalformedCursorError);
    expect(() => decodeCursor(LOG, Buffer.from("hello").toString("base64url"))).toThrow(MalformedCursorError);
    expect(() => decodeCursor(LOG, encodeCursor(LOG, at, "change"), "after", "event")).toThrow(/change feed/);
    expect(() => decodeCursor("ffffffffffff0000", encodeCursor(LOG, at))).toThrow(UnservableCursorError);
  });

  it("refuse well-shaped numbers out of range (400): past xid8, or a position past exact doubles", () => {
    const raw = (xid: string, at: string) =>
      Buffer.from(`1.${LOG.slice(0, 12)}.${xid}.${at}`).toString("base64url");
    expect(() => decodeCursor(LOG, raw("18446744073709551616", "1"))).toThrow(/out of range/);
    expect(() => decodeCursor(LOG, raw("1", "9223372036854775807"))).toThrow(MalformedCursorError);
    expect(() => decodeCursor(LOG, raw("1", String(Number.MAX_SAFE_INTEGER + 1)))).toThrow(
      MalformedCursorError,
    );
    expect(decodeCursor(LOG, raw("18446744073709551615", String(Number.MAX_SAFE_INTEGER)))).toEqual({
      xid: "18446744073709551615",
      position: Number.MAX_SAFE_INTEGER,
    });
  });

  it("compare in delivery order, (xid, position), exactly as 64-bit numbers would", () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const expected =
          a.xid === b.xid ? Math.sign(a.position - b.position) : BigInt(a.xid) < BigInt(b.xid) ? -1 : 1;
        expect(Math.sign(compareLogPositions(a, b))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
