import { describe, expect, it } from "vitest";
import { type LogBuilder, logBuilder } from "../../src/domain/test-support/log-builder.js";
import { type DependencyFilters, dependenciesView } from "./view.js";

const edges = (log: LogBuilder, asOf: string, filters?: DependencyFilters, count?: number) =>
  dependenciesView(log.fold(count), asOf, null, filters).edges;

/** Edges as "customer>supplier@layer weight total firstSeen deals". */
const brief = (log: LogBuilder, asOf: string, filters?: DependencyFilters) =>
  edges(log, asOf, filters).map(
    (e) =>
      `${e.customer}>${e.supplier}@${e.layer} ${e.weight} ${e.totalValueUsd} ${e.firstSeen} ${e.deals.join(",")}`,
  );

const names = (log: LogBuilder, asOf: string, filters?: DependencyFilters, count?: number) =>
  edges(log, asOf, filters, count).map((e) => `${e.customer}>${e.supplier}@${e.layer}`);

const B = 1_000_000_000;

describe("contributions", () => {
  it("come from every contributing event type, on the documented edges", () => {
    const log = logBuilder();
    const on = "2024-01-01";
    log.deal("ComputeDealReported", "c", "completed", on, {
      customer: "a",
      provider: "p",
      acceleratorDesigner: "n",
    });
    log.deal("SupplyDealReported", "s", "completed", on, {
      customer: "a",
      supplier: "grid",
      layer: "energy",
    });
    log.deal("LicenseDealReported", "l", "completed", on, { licensee: "a", licensor: "lab" });
    log.deal("LicenseDealReported", "l2", "completed", on, {
      licensee: "a",
      licensor: "shop",
      layer: "application",
    });
    log.deal("PartnershipReported", "pa", "completed", on, {
      partners: ["a", "chip"],
      dependency: { customer: "a", supplier: "chip", layer: "hardware" },
    });
    log.deal("PartnershipReported", "pb", "completed", on, { partners: ["a", "z"] });
    log.deal("FundingRoundReported", "f", "completed", on, {
      investee: "a",
      round: "seed",
      investors: [{ companyId: "vc" }],
    });
    log.deal("StakeChangeReported", "k1", "completed", on, { holder: "h1", entity: "a", percentAfter: 50 });
    log.deal("StakeChangeReported", "k2", "completed", on, { holder: "h2", entity: "a", percentAfter: 0 });
    log.deal("StakeChangeReported", "k3", "completed", on, { holder: "h3", entity: "a", percentAfter: 51 });
    log.deal("StakeChangeReported", "k4", "completed", on, { holder: "h4", entity: "b", control: true });
    log.deal("ProductLaunchReported", "pl", "completed", on, {
      owner: "a",
      product: "P",
      layer: "application",
      hostedOn: ["cloud", "cloud", "a"],
    });
    log.deal("ModelReleaseReported", "m1", "completed", on, {
      developer: "a",
      model: "M",
      access: "api",
      baseModel: { name: "B", developer: "base" },
    });
    log.deal("ModelReleaseReported", "m2", "completed", on, {
      developer: "a",
      model: "N",
      access: "api",
      baseModel: { name: "M", developer: "a" },
    });
    log.deal("ModelReleaseReported", "m3", "completed", on, {
      developer: "a",
      model: "O",
      access: "api",
      baseModel: { name: "X" },
    });
    expect(names(log, on).sort()).toEqual(
      [
        "a>p@compute",
        "a>n@hardware",
        "a>grid@energy",
        "a>lab@model",
        "a>shop@application",
        "a>chip@hardware",
        "a>vc@capital",
        "a>h1@capital",
        "a>cloud@compute",
        "a>base@model",
      ].sort(),
    );
  });

  it("values funding by the investor's amount, else the round's with one investor, else none", () => {
    const log = logBuilder();
    const on = "2024-01-01";
    log.deal("FundingRoundReported", "f1", "completed", on, {
      investee: "a",
      round: "series_a",
      amount: { usd: 9 * B },
      investors: [{ companyId: "x", amount: { usd: 2 * B } }, { companyId: "y" }],
    });
    log.deal("FundingRoundReported", "f2", "completed", on, {
      investee: "b",
      round: "series_a",
      amount: { usd: 3 * B },
      investors: [{ companyId: "x" }],
    });
    const totals = Object.fromEntries(
      edges(log, on).map((e) => [`${e.customer}>${e.supplier}`, e.totalValueUsd]),
    );
    expect(totals).toEqual({ "a>x": 2 * B, "a>y": null, "b>x": 3 * B });
  });

  it("converts per-month and per-year amounts with termMonths, or the absent factors", () => {
    const log = logBuilder();
    const on = "2024-01-01";
    const deal = (id: string, per: string, termMonths?: number) =>
      log.deal("ComputeDealReported", id, "completed", on, {
        customer: id,
        provider: "p",
        amount: { usd: B, per },
        ...(termMonths === undefined ? {} : { termMonths }),
      });
    deal("m6", "month", 6);
    deal("m", "month");
    deal("y24", "year", 24);
    deal("y", "year");
    deal("t", "total", 6);
    const totals = Object.fromEntries(edges(log, on).map((e) => [e.customer, e.totalValueUsd]));
    expect(totals).toEqual({ m6: 6 * B, m: 12 * B, y24: 2 * B, y: B, t: B });
  });
});

describe("when a contribution counts", () => {
  it("counts while announced or completed, from the opening's date, until cancelled", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "reported", "2024-01", { customer: "a", provider: "p" });
    log.status("x", "announced", "2024-06");
    log.status("x", "cancelled", "2025-01");
    expect(names(log, "2024-05-01")).toEqual([]);
    expect(brief(log, "2024-07-01")).toEqual(["a>p@compute 0.866 null 2024-01-31 x"]); // age from the opening
    expect(names(log, "2025-01-31")).toEqual([]);
  });

  it("counts only from the opening's date even when an earlier status event makes it announced sooner", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "reported", "2024-06", { customer: "a", provider: "p" });
    log.status("x", "announced", "2024-01");
    log.status("x", "announced", "2024-06-30");
    expect(names(log, "2024-03-01")).toEqual([]);
    expect(brief(log, "2024-06-30")).toEqual(["a>p@compute 1 null 2024-06-30 x"]);
  });

  it("stops for good at DealEnded and at once on retraction (as known)", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "completed", "2024-01", { customer: "a", provider: "p" });
    log.end("x", "2024-06");
    log.status("x", "completed", "2024-09");
    log.deal("ComputeDealReported", "y", "completed", "2024-01", { customer: "b", provider: "p" });
    log.retract("y");
    expect(names(log, "2024-06-29")).toEqual(["a>p@compute"]);
    expect(names(log, "2025-01-01")).toEqual([]);
    expect(names(log, "2024-03-01", {}, 4)).toEqual(["a>p@compute", "b>p@compute"]);
  });

  it("runs a term while D < opening + termMonths calendar months (clamped), as amended at D", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "completed", "2024-01-31", {
      customer: "a",
      provider: "p",
      termMonths: 1,
    });
    log.deal("ComputeDealReported", "y", "completed", "2024-01-31", {
      customer: "b",
      provider: "p",
      termMonths: 1,
    });
    log.amend("y", { termMonths: 3 }, "2024-02-15");
    expect(names(log, "2024-02-14")).toEqual(["a>p@compute", "b>p@compute"]);
    expect(names(log, "2024-02-28")).toEqual(["a>p@compute", "b>p@compute"]);
    expect(names(log, "2024-02-29")).toEqual(["b>p@compute"]);
    expect(names(log, "2024-04-29")).toEqual(["b>p@compute"]);
    expect(names(log, "2024-04-30")).toEqual([]);
  });

  it("uses amended amounts from their date on", () => {
    const log = logBuilder();
    log.deal("SupplyDealReported", "x", "completed", "2024-01-01", {
      customer: "a",
      supplier: "p",
      layer: "energy",
      amount: { usd: B },
    });
    log.amend("x", { amount: { usd: 10 * B } }, "2024-06-01");
    expect(edges(log, "2024-05-31")[0]?.totalValueUsd).toBe(B);
    expect(edges(log, "2024-06-01")[0]?.totalValueUsd).toBe(10 * B);
  });
});

describe("capital stops", () => {
  it("stops other holders' and earlier investors' capital at a completed 100% acquisition; later rounds count", () => {
    const log = logBuilder();
    log.deal("FundingRoundReported", "f1", "completed", "2020", {
      investee: "t",
      round: "seed",
      investors: [{ companyId: "vc" }],
    });
    log.deal("FundingRoundReported", "f2", "announced", "2021", {
      investee: "t",
      round: "seed",
      investors: [{ companyId: "vc2" }],
    });
    log.deal("StakeChangeReported", "k", "completed", "2021", { holder: "h", entity: "t", percentAfter: 20 });
    log.deal("AcquisitionReported", "acq", "announced", "2022", { acquirer: "q", target: "t" });
    log.deal("FundingRoundReported", "f3", "completed", "2023", {
      investee: "t",
      round: "seed",
      investors: [{ companyId: "vc3" }],
    });
    log.deal("AcquisitionReported", "half", "completed", "2022", {
      acquirer: "r",
      target: "u",
      percentAcquired: 60,
    });
    log.deal("FundingRoundReported", "f4", "completed", "2020", {
      investee: "u",
      round: "seed",
      investors: [{ companyId: "vc" }],
    });
    expect(names(log, "2024-01-01").sort()).toEqual([
      "t>h@capital",
      "t>vc2@capital",
      "t>vc3@capital",
      "t>vc@capital",
      "u>vc@capital",
    ]);
    log.status("acq", "completed", "2022");
    expect(names(log, "2024-01-01").sort()).toEqual(["t>vc3@capital", "u>vc@capital"]);
  });

  it("stops a holder's capital at a completed stake change to 0; a later stake counts again", () => {
    const log = logBuilder();
    log.deal("StakeChangeReported", "k1", "completed", "2020", {
      holder: "h",
      entity: "t",
      percentAfter: 20,
    });
    log.deal("StakeChangeReported", "k0", "completed", "2022", { holder: "h", entity: "t", percentAfter: 0 });
    log.deal("StakeChangeReported", "k2", "announced", "2023", {
      holder: "h",
      entity: "t",
      percentAfter: 10,
    });
    expect(brief(log, "2021-12-31")).toEqual(["t>h@capital 0.707 null 2020-12-31 k1"]);
    expect(names(log, "2022-12-31")).toEqual([]);
    expect(brief(log, "2023-12-31")).toEqual(["t>h@capital 1 null 2023-12-31 k2"]);
  });
});

describe("edges", () => {
  it("weigh max(1, log10(V) − 5) × 2^(−age/730.5), summed over contributions", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "completed", "2020-01-01", {
      customer: "a",
      provider: "p",
      amount: { usd: 10 * B },
    });
    log.deal("ComputeDealReported", "w", "announced", "2021-01-01", { customer: "a", provider: "p" });
    log.deal("ComputeDealReported", "y", "announced", "2022-01-01", {
      customer: "a",
      provider: "p",
      amount: { usd: 50_000 },
    });
    log.deal("ComputeDealReported", "v", "announced", "2022-01-01", {
      customer: "a",
      provider: "p",
      amount: { usd: B },
    });
    const [e] = edges(log, "2024-01-01");
    const age = (iso: string) => (Date.UTC(2024, 0, 1) - Date.parse(iso)) / 86_400_000;
    const want =
      5 * 2 ** (-age("2020-01-01") / 730.5) +
      2 ** (-age("2021-01-01") / 730.5) +
      2 ** (-age("2022-01-01") / 730.5) +
      4 * 2 ** (-age("2022-01-01") / 730.5);
    expect(e).toEqual({
      customer: "a",
      supplier: "p",
      layer: "compute",
      weight: Math.round(want * 1000) / 1000,
      totalValueUsd: 11 * B + 50_000,
      firstSeen: "2020-01-01",
      deals: ["v", "w", "x", "y"],
    });
    expect(e?.weight).toBe(4.105); // 5 × 0.25 + 2^(−1095/730.5) + 5 × 2^(−730/730.5)
  });

  it("hide internal edges: both ends under one ultimate parent", () => {
    const log = logBuilder();
    log.deal("AcquisitionReported", "a1", "completed", "2020", { acquirer: "p", target: "s1" });
    log.deal("StakeChangeReported", "a2", "completed", "2020", {
      holder: "p",
      entity: "s2",
      percentAfter: 60,
    });
    log.deal("ComputeDealReported", "c1", "completed", "2021", { customer: "s1", provider: "p" });
    log.deal("ComputeDealReported", "c2", "completed", "2021", { customer: "s1", provider: "s2" });
    log.deal("ComputeDealReported", "c3", "completed", "2021", { customer: "s1", provider: "x" });
    log.deal("ComputeDealReported", "c4", "completed", "2019", { customer: "s2", provider: "p" });
    expect(names(log, "2022-01-01")).toEqual(["s1>x@compute"]);
    expect(names(log, "2020-06-01")).toEqual(["s2>p@compute"]);
  });

  it("sort on the rounded weight desc, then customer, supplier, layer; filter by company and layer", () => {
    const log = logBuilder();
    const on = "2024-01-01";
    log.deal("ComputeDealReported", "c", "completed", on, {
      customer: "b",
      provider: "p",
      amount: { usd: 10 * B },
    });
    log.deal("FundingRoundReported", "f", "completed", on, {
      investee: "a",
      round: "seed",
      investors: [{ companyId: "p" }],
    });
    log.deal("ComputeDealReported", "d", "completed", on, { customer: "a", provider: "p" });
    log.deal("LicenseDealReported", "l", "completed", on, { licensee: "a", licensor: "m" });
    expect(names(log, on)).toEqual(["b>p@compute", "a>m@model", "a>p@capital", "a>p@compute"]);
    expect(names(log, on, { company: "p" })).toEqual(["b>p@compute", "a>p@capital", "a>p@compute"]);
    expect(names(log, on, { company: "a", layer: "compute" })).toEqual(["a>p@compute"]);
    expect(dependenciesView(log.fold(), on, "k").cursor).toBe("k");
  });
});
