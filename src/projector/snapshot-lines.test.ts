import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { takeLines } from "./snapshot-store.js";

describe("a snapshot's text parsed as it is inflated", () => {
  it("gives the same records however the text is cut into chunks (lines across chunks, multi-byte characters cut)", () => {
    const record = fc.oneof(
      fc.tuple(fc.constant("d"), fc.string({ unit: "grapheme", maxLength: 40 }), fc.integer()),
      fc.dictionary(
        fc.string({ maxLength: 5 }),
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 30 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
        ),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (records, cuts) => {
          const text = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
          const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const parsed: unknown[] = [];
          const pending: Buffer[] = [];
          let from = 0;
          for (const cut of [...at, text.length]) {
            takeLines(text.subarray(from, cut), pending, parsed);
            from = cut;
          }
          takeLines(Buffer.from("\n"), pending, parsed);
          expect(parsed).toEqual(JSON.parse(JSON.stringify(records)));
        },
      ),
    );
  });

  it("parses a last line without its newline, and skips empty lines", () => {
    const parsed: unknown[] = [];
    const pending: Buffer[] = [];
    takeLines(Buffer.from('[1]\n\n{"a"'), pending, parsed);
    takeLines(Buffer.from(":2}"), pending, parsed);
    takeLines(Buffer.from("\n"), pending, parsed);
    expect(parsed).toEqual([[1], { a: 2 }]);
  });
});
