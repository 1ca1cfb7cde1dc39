import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoToDay } from "./dates.js";
import { dealSortKey, listDeals, periodStartDay } from "./deal-list.js";
import { dealRecordsAt } from "./deal-record.js";
import { foldDealRecords } from "./deal-records-state.js";
import { logBuilder } from "./test-support/log-builder.js";

function sample() {
  const log = logBuilder();
  for (const id of ["a", "b", "c"]) log.company(id);
  log.deal("ComputeDealReported", "big", "announced", "2025-03", {
    customer: "a",
    provider: "b",
    amount: { usd: 2e9 },
  });
  log.deal("ComputeDealReported", "small", "completed", "2025-03", {
    customer: "c",
    provider: "b",
    amount: { usd: 5e8 },
  });
  log.deal("ChipLaunchReported", "chip", "announced", "2024", { designer: "c", chip: "Jalapeño" });
  log.deal("LicenseDealReported", "gone", "announced", "2025", { licensee: "a", licensor: "c" });
  log.retract("gone");
  log.deal("LicenseDealReported", "later", "announced", "2030", { licensee: "a", licensor: "c" });
  return [...dealRecordsAt(foldDealRecords(log.events), isoToDay("2026-01-01"))];
}

const ids = (rows: { deal: { dealId: string } }[]) => rows.map((r) => r.deal.dealId);

describe("the deal list", () => {
  it("leaves out deals without a status at D and retracted deals unless asked for", () => {
    const deals = sample();
    expect(ids(listDeals(deals, {}, "-openedOn"))).toEqual(["big", "small", "chip"]);
    expect(ids(listDeals(deals, { status: ["retracted"] }, "dealId"))).toEqual(["gone"]);
  });

  it("combines filters with AND and a list with OR", () => {
    const deals = sample();
    expect(ids(listDeals(deals, { company: ["a", "c"], type: ["ComputeDealReported"] }, "dealId"))).toEqual([
      "big",
      "small",
    ]);
    expect(ids(listDeals(deals, { company: ["b"], minValueUsd: 1e9 }, "dealId"))).toEqual(["big"]);
    expect(ids(listDeals(deals, { layer: ["hardware"] }, "dealId"))).toEqual(["chip"]);
    expect(ids(listDeals(deals, { status: ["completed", "announced"], q: "jalape" }, "dealId"))).toEqual([
      "chip",
    ]);
    expect(
      ids(listDeals(deals, { fromDay: periodStartDay("2025"), toDay: isoToDay("2025-12-31") }, "dealId")),
    ).toEqual(["big", "small"]);
  });

  it("sorts by value with ties by id and deals without a value last, both ways", () => {
    const deals = sample();
    expect(ids(listDeals(deals, {}, "-valueUsd"))).toEqual(["big", "small", "chip"]);
    expect(ids(listDeals(deals, {}, "valueUsd"))).toEqual(["small", "big", "chip"]);
    expect(ids(listDeals(deals, {}, "openedOn"))).toEqual(["chip", "big", "small"]);
  });

  it("gives the first day of a partial date's period", () => {
    expect(periodStartDay("2025-H2")).toBe(isoToDay("2025-07-01"));
    expect(periodStartDay("2025-Q4")).toBe(isoToDay("2025-10-01"));
    expect(periodStartDay("2025-02")).toBe(isoToDay("2025-02-01"));
    expect(periodStartDay("2025-02-14")).toBe(isoToDay("2025-02-14"));
  });

  it("orders value sort keys like the numbers (property)", () => {
    const value = fc.oneof(fc.constant(null), fc.double({ min: 0, max: 1e18, noNaN: true }));
    fc.assert(
      fc.property(value, value, (a, b) => {
        const ka = dealSortKey({ dealId: "x", openedOn: "2025-01-01", valueUsd: a }, "valueUsd");
        const kb = dealSortKey({ dealId: "x", openedOn: "2025-01-01", valueUsd: b }, "valueUsd");
        const da = dealSortKey({ dealId: "x", openedOn: "2025-01-01", valueUsd: a }, "-valueUsd");
        const db = dealSortKey({ dealId: "x", openedOn: "2025-01-01", valueUsd: b }, "-valueUsd");
        if (a === null || b === null) {
          if (a === null && b !== null) expect(ka > kb && da > db).toBe(true);
          return;
        }
        expect(Math.sign(a - b)).toBe(ka < kb ? -1 : ka > kb ? 1 : 0);
        expect(Math.sign(b - a)).toBe(da < db ? -1 : da > db ? 1 : 0);
      }),
    );
  });
});
