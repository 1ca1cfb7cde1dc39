import { describe, expect, it } from "vitest";
import { AMENDABLE_FIELDS, amendmentChangesSchema, applyCorrection } from "./amendments.js";
import type { AcquisitionReported, PartnershipReported } from "./index.js";
import { toValidationIssues } from "./validation-issue.js";

const sources = [{ url: "https://example.com/a" }];
const acquisition: AcquisitionReported = {
  dealId: "spacex-anysphere",
  status: "announced",
  occurredOn: "2026-06",
  sources,
  acquirer: "spacex",
  target: "anysphere",
  percentAcquired: 100,
  price: { usd: 60e9 },
  terms: "stock",
};

const paths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.join("."));

describe("amendmentChangesSchema", () => {
  const schema = amendmentChangesSchema("AcquisitionReported");

  it("accepts the deal's own terms", () => {
    expect(schema.safeParse({ price: { usd: 65e9, estimated: true } }).success).toBe(true);
    expect(schema.safeParse({ terms: "cash", kind: "merger" }).success).toBe(true);
  });

  it("rejects parties and stakes by name", () => {
    const result = schema.safeParse({ acquirer: "xai", percentAcquired: 50 });
    expect(paths(result)).toEqual(["acquirer", "percentAcquired"]);
    expect(result.error?.issues[0]?.message).toMatch(/acquirer cannot be amended/);
  });

  it("rejects the common fields, unknown fields, bad values and an empty patch", () => {
    expect(paths(schema.safeParse({ status: "completed", occurredOn: "2026", dealId: "x" }))).toEqual([
      "dealId",
      "status",
      "occurredOn",
    ]);
    expect(toValidationIssues(schema.safeParse({ termMonths: 12 }).error?.issues ?? [])).toEqual([
      { path: "termMonths", message: "Unrecognized key: termMonths" },
    ]);
    expect(paths(schema.safeParse({ price: { usd: -1 } }))).toEqual(["price.usd"]);
    expect(paths(schema.safeParse({}))).toEqual([""]);
  });

  it("excludes id-holding nested fields and keeps the rest, per type", () => {
    expect(AMENDABLE_FIELDS.PartnershipReported).toEqual(["amount", "termMonths", "description"]);
    expect(AMENDABLE_FIELDS.ModelReleaseReported).toEqual(["model", "access"]);
    expect(AMENDABLE_FIELDS.StakeChangeReported).toEqual(["consideration"]);
    expect(AMENDABLE_FIELDS.FundingRoundReported).toEqual(["round", "amount", "postMoneyValuation"]);
    expect(AMENDABLE_FIELDS.ComputeDealReported).toEqual(["amount", "capacity", "termMonths", "sites"]);
    expect(AMENDABLE_FIELDS.GovernanceEventReported).toEqual(["kind", "title"]);
    expect(paths(amendmentChangesSchema("PartnershipReported").safeParse({ dependency: null }))).toEqual([
      "dependency",
    ]);
    expect(
      amendmentChangesSchema("ComputeDealReported").safeParse({ termMonths: 24, sites: ["Texas"] }).success,
    ).toBe(true);
  });
});

describe("applyCorrection", () => {
  it("merges shallowly and revalidates", () => {
    const result = applyCorrection("AcquisitionReported", acquisition, {
      price: { usd: 1e9 },
      status: "completed",
    });
    expect(result).toEqual({
      success: true,
      data: { ...acquisition, price: { usd: 1e9 }, status: "completed" },
    });
  });

  it("may move a party, but the result must still hold together", () => {
    expect(applyCorrection("AcquisitionReported", acquisition, { acquirer: "xai" }).success).toBe(true);
    expect(applyCorrection("AcquisitionReported", acquisition, { acquirer: "anysphere" })).toEqual({
      success: false,
      issues: [{ path: "target", message: "target must differ from acquirer" }],
    });
  });

  it("revalidates cross-field rules against fields the correction did not touch", () => {
    const partnership: PartnershipReported = {
      dealId: "p",
      status: "announced",
      sources,
      partners: ["a", "b"],
      dependency: { customer: "a", supplier: "b", layer: "compute" },
    };
    const result = applyCorrection("PartnershipReported", partnership, { partners: ["a", "c"] });
    expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual(["dependency.supplier"]);
  });

  it("refuses to change dealId, and still reports other problems", () => {
    const result = applyCorrection("AcquisitionReported", acquisition, {
      dealId: "other",
      price: { usd: 0 },
    });
    expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual(["dealId", "price.usd"]);
  });

  it("rejects unknown fields and invalid values", () => {
    const result = applyCorrection("AcquisitionReported", acquisition, { foo: 1, occurredOn: "2026-Q5" });
    expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual(["occurredOn", "foo"]);
  });

  it("corrects lifecycle events", () => {
    expect(
      applyCorrection("DealStatusChanged", { dealId: "d", status: "completed" }, { occurredOn: "2025-Q1" }),
    ).toEqual({ success: true, data: { dealId: "d", status: "completed", occurredOn: "2025-Q1" } });
    expect(applyCorrection("DealEnded", { dealId: "d" }, { reason: "" }).success).toBe(false);
    const amended = applyCorrection(
      "DealAmended",
      { dealId: "d", changes: { price: { usd: 1 } } },
      { changes: { terms: "cash" } },
    );
    expect(amended).toEqual({ success: true, data: { dealId: "d", changes: { terms: "cash" } } });
    const notAmendable = applyCorrection(
      "DealAmended",
      { dealId: "d", changes: { price: { usd: 1 } } },
      { changes: { target: "x" } },
      "AcquisitionReported",
    );
    expect(notAmendable.success ? [] : notAmendable.issues.map((issue) => issue.path)).toEqual([
      "changes.target",
    ]);
  });

  it("applies repeated corrections in order", () => {
    const first = applyCorrection("AcquisitionReported", acquisition, { price: { usd: 1 } });
    if (!first.success) throw new Error("first correction failed");
    const second = applyCorrection("AcquisitionReported", first.data, { terms: "cash" });
    expect(second.success && second.data).toEqual({ ...acquisition, price: { usd: 1 }, terms: "cash" });
  });

  it("refuses targets that cannot be corrected", () => {
    for (const type of ["CompanyRegistered", "DealCorrected", "DealRetracted", "Nope"]) {
      const result = applyCorrection(type, { dealId: "d" }, { reason: "x" });
      expect(result.success).toBe(false);
    }
  });
});
