import { describe, expect, it } from "vitest";
import { firstDifference } from "./first-difference.js";

describe("firstDifference", () => {
  it("reports the JSON path of the first difference", () => {
    const want = { a: [{ b: 1.234 }, { c: "x" }] };
    expect(firstDifference({ a: [{ b: 1.2344 }, { c: "x" }] }, want)).toBeUndefined();
    expect(firstDifference({ a: [{ b: 1.236 }, { c: "x" }] }, want)).toMatchObject({ path: "$.a[0].b" });
    expect(firstDifference({ a: [{ b: 1.234 }, { c: "y" }] }, want)).toMatchObject({ path: "$.a[1].c" });
    expect(firstDifference({ a: [{ b: 1.234 }] }, want)).toMatchObject({ path: "$.a.length" });
    expect(firstDifference({ a: [{ b: 1.234, d: 1 }, { c: "x" }] }, want)).toMatchObject({
      reason: "extra key",
    });
    expect(firstDifference({ a: [{}, { c: "x" }] }, want)).toMatchObject({
      path: "$.a[0].b",
      reason: "missing key",
    });
    expect(firstDifference({ y: 1, x: 2 }, { x: 2, y: 1 }, { keyOrder: true })).toMatchObject({
      reason: "key order",
    });
    expect(firstDifference(null, { x: 1 })).toMatchObject({ path: "$" });
  });
});
