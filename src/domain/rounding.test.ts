import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundHalfEven3 } from "./rounding.js";

describe("roundHalfEven3", () => {
  it.each([
    [0.125, 0.125],
    [2.0625, 2.062], // an exact tie: to even
    [2.0635, 2.063], // its double is 2.06349999…: below the tie
    [0.0625, 0.062],
    [0.1875, 0.188],
    [0.0005, 0.001], // its double is 0.000500000…0104: above the tie
    [1.0005, 1], // its double is 1.000499999…: below the tie
    [1.0015, 1.002],
    [2.675, 2.675],
    [4.3875, 4.388],
    [-2.0625, -2.062],
    [-0.0005, -0.001],
    [0, 0],
    [5, 5],
    [15_000_000_000, 15_000_000_000],
    [1e-320, 0],
    [123456789.0625, 123456789.062],
  ])("%d → %d", (x, want) => {
    expect(roundHalfEven3(x)).toBe(want);
  });

  it("is not toFixed (which breaks ties away from zero)", () => {
    expect((2.0625).toFixed(3)).toBe("2.063");
    expect(roundHalfEven3(2.0625)).toBe(2.062);
  });

  it("agrees with toFixed everywhere except exact ties", () => {
    // toFixed decides on the exact value too, so they differ only on exact ties: x * 16 an odd integer.
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (x) => {
        const tie = Number.isInteger(x * 16) && !Number.isInteger(x * 8);
        if (!tie) expect(roundHalfEven3(x)).toBe(Number(x.toFixed(3)) || 0 * x);
      }),
      { numRuns: 3_000 },
    );
  });

  it("rounds exact ties to the even neighbour", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (k) => {
        const x = (2 * k + 1) / 16; // k/8 + 1/16: every such value is a tie at the third decimal
        const scaled = x * 1000; // exact: x has at most 4 fractional bits
        const lower = Math.floor(scaled);
        const want = (lower % 2 === 0 ? lower : lower + 1) / 1000;
        expect(roundHalfEven3(x)).toBe(want);
      }),
    );
  });
});
