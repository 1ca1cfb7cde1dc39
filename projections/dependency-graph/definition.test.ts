import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { edgeSortKey } from "./definition.js";

const id = fc.stringMatching(/^[a-z0-9]{1,4}(-[a-z0-9]{1,3}){0,2}$/);
const edge = fc.record({
  customer: id,
  supplier: id,
  layer: fc.constantFrom("hardware", "compute", "model", "application", "capital", "energy"),
  weight: fc.integer({ min: 0, max: 200_000 }).map((thousandths) => thousandths / 1000),
});
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
type Edge = { customer: string; supplier: string; layer: string; weight: number };
const viewOrder = (a: Edge, b: Edge) =>
  b.weight - a.weight || cmp(a.customer, b.customer) || cmp(a.supplier, b.supplier) || cmp(a.layer, b.layer);

describe("edgeSortKey", () => {
  it("orders edges exactly as the dependencies view does (weight desc, customer, supplier, layer)", () => {
    fc.assert(
      fc.property(edge, edge, (a, b) => {
        expect(Math.sign(cmp(edgeSortKey(a), edgeSortKey(b)))).toBe(Math.sign(viewOrder(a, b)));
      }),
      { numRuns: 2000 },
    );
  });
});
