import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../test/support/parse-csv.js";
import { csvCell, csvRow } from "./csv.js";

/** What a cell must read as once parsed: the text, `'`-prefixed when a spreadsheet would run it. */
const expected = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

describe("CSV cells", () => {
  it("parse back (RFC 4180) to the same cells, formulas neutralised (property)", () => {
    const cell = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom("a", ",", '"', "\r", "\n", "=", "+", "-", "@", "\t", " ", "é") }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const width = rows[0]!.length;
          const table = rows.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ""));
          const text = table.map((row) => csvRow(row)).join("");
          expect(parseCsv(text)).toEqual(table.map((row) => row.map(expected)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("writes null as empty, numbers and booleans as text, objects as JSON", () => {
    expect(csvRow([null, undefined, 1.5, true, { a: 1 }])).toBe(',,1.5,true,"{""a"":1}"\r\n');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-1")).toBe("'-1");
  });
});
