import { describe, expect, it } from "vitest";
import { isoToDay } from "./dates.js";
import { dealRecordAt } from "./deal-record.js";
import { foldDealRecords } from "./deal-records-state.js";
import { type LogBuilder, logBuilder } from "./test-support/log-builder.js";

function record(log: LogBuilder, dealId: string, asOf: string, count?: number) {
  const events = count === undefined ? log.events : log.events.slice(0, count);
  const found = dealRecordAt(foldDealRecords(events), dealId, isoToDay(asOf));
  if (found === undefined) throw new Error(`no deal ${dealId}`);
  return found;
}

function withCompanies(...ids: string[]): LogBuilder {
  const log = logBuilder();
  for (const id of ids) log.company(id);
  return log;
}

describe("the deal record: status", () => {
  it("is null before any status-setting event is effective, then the latest one with its date", () => {
    const log = withCompanies("a", "b");
    log.deal("AcquisitionReported", "x", "announced", "2025-06", { acquirer: "a", target: "b" });
    log.status("x", "completed", "2026-Q1");
    expect(record(log, "x", "2025-06-29")).toMatchObject({ status: null, statusSince: null });
    expect(record(log, "x", "2025-07-01")).toMatchObject({ status: "announced", statusSince: "2025-06-30" });
    expect(record(log, "x", "2026-03-31")).toMatchObject({ status: "completed", statusSince: "2026-03-31" });
  });

  it("follows a correction of the opening's status and date whatever D, from when it is known", () => {
    const log = withCompanies("a", "b");
    const opening = log.deal("AcquisitionReported", "x", "announced", "2025-06", {
      acquirer: "a",
      target: "b",
    });
    log.correct("x", opening, { status: "rumored", occurredOn: "2025-03" });
    expect(record(log, "x", "2025-04-01", 3)).toMatchObject({ status: null, openedOn: "2025-06-30" });
    expect(record(log, "x", "2025-04-01")).toMatchObject({
      status: "rumored",
      statusSince: "2025-03-31",
      openedOn: "2025-03-31",
    });
  });

  it("says retracted once a retraction is known, keeping statusSince and every other field", () => {
    const log = withCompanies("a", "b");
    log.deal("AcquisitionReported", "x", "announced", "2025-06", { acquirer: "a", target: "b" });
    log.retract("x");
    const before = record(log, "x", "2025-07-01", 3);
    const after = record(log, "x", "2025-07-01");
    expect(before).toMatchObject({ status: "announced", retracted: false, events: 1 });
    expect(after).toMatchObject({
      status: "retracted",
      statusSince: "2025-06-30",
      retracted: true,
      events: 2,
    });
    expect(after.fields).toEqual(before.fields);
  });

  it("ends for good: endedOn is the earliest DealEnded effective by D; later statuses do not undo it", () => {
    const log = withCompanies("a", "b");
    log.deal("ComputeDealReported", "x", "completed", "2024", { customer: "a", provider: "b" });
    log.end("x", "2026-03");
    log.end("x", "2025-06");
    log.status("x", "completed", "2027");
    expect(record(log, "x", "2025-06-29")).not.toHaveProperty("endedOn");
    expect(record(log, "x", "2025-07-01").endedOn).toBe("2025-06-30");
    expect(record(log, "x", "2028-01-01")).toMatchObject({ endedOn: "2025-06-30", status: "completed" });
  });
});

describe("the deal record: fields and value", () => {
  it("applies corrections whatever D, then amendments effective by D in date order", () => {
    const log = withCompanies("a", "b");
    const opening = log.deal("ComputeDealReported", "x", "announced", "2024", {
      customer: "a",
      provider: "b",
      amount: { usd: 100 },
      termMonths: 12,
    });
    log.amend("x", { amount: { usd: 300 } }, "2026");
    log.amend("x", { amount: { usd: 200 }, termMonths: 24 }, "2025");
    log.correct("x", opening, { amount: { usd: 150 } });
    expect(record(log, "x", "2025-01-01").fields).toEqual({
      customer: "a",
      provider: "b",
      amount: { usd: 150 },
      termMonths: 12,
    });
    expect(record(log, "x", "2026-01-01").fields).toMatchObject({ amount: { usd: 200 }, termMonths: 24 });
    expect(record(log, "x", "2027-01-01").fields).toMatchObject({ amount: { usd: 300 }, termMonths: 24 });
  });

  it("values per-month and per-year amounts over termMonths as amended, and 12 months / 1 year without one", () => {
    const log = withCompanies("a", "b");
    log.deal("ComputeDealReported", "m", "announced", "2024", {
      customer: "a",
      provider: "b",
      amount: { usd: 1_250_000_000, per: "month" },
    });
    log.deal("SupplyDealReported", "y", "announced", "2024", {
      customer: "a",
      supplier: "b",
      layer: "energy",
      amount: { usd: 1000, per: "year" },
      termMonths: 18,
    });
    log.amend("y", { termMonths: 30 }, "2026");
    expect(record(log, "m", "2025-01-01").valueUsd).toBe(15_000_000_000);
    expect(record(log, "y", "2025-01-01").valueUsd).toBe(1500);
    expect(record(log, "y", "2026-12-31").valueUsd).toBe(2500);
  });

  it("takes price for acquisitions, consideration for stake changes, and sums investors only when all have one", () => {
    const log = withCompanies("a", "b", "c");
    log.deal("AcquisitionReported", "acq", "announced", "2024", {
      acquirer: "a",
      target: "b",
      price: { usd: 10.0004 },
    });
    log.deal("StakeChangeReported", "st", "completed", "2024", {
      holder: "a",
      entity: "b",
      percentAfter: 10,
      consideration: { usd: 7 },
    });
    log.deal("FundingRoundReported", "f1", "completed", "2024", {
      investee: "a",
      round: "seed",
      investors: [
        { companyId: "b", amount: { usd: 1 } },
        { companyId: "c", amount: { usd: 2 } },
      ],
    });
    log.deal("FundingRoundReported", "f2", "completed", "2024", {
      investee: "a",
      round: "seed",
      investors: [{ companyId: "b", amount: { usd: 1 } }, { companyId: "c" }],
    });
    log.deal("ModelReleaseReported", "mr", "completed", "2024", {
      developer: "a",
      model: "M",
      access: "api",
    });
    expect(record(log, "acq", "2025-01-01").valueUsd).toBe(10);
    expect(record(log, "st", "2025-01-01").valueUsd).toBe(7);
    expect(record(log, "f1", "2025-01-01").valueUsd).toBe(3);
    expect(record(log, "f2", "2025-01-01").valueUsd).toBeNull();
    expect(record(log, "mr", "2025-01-01").valueUsd).toBeNull();
  });

  it("gives each type its layer", () => {
    const log = withCompanies("a", "b");
    log.deal("LicenseDealReported", "lic", "announced", "2024", { licensee: "a", licensor: "b" });
    log.deal("PartnershipReported", "p0", "announced", "2024", { partners: ["a", "b"] });
    log.deal("PartnershipReported", "p1", "announced", "2024", {
      partners: ["a", "b"],
      dependency: { customer: "a", supplier: "b", layer: "energy" },
    });
    log.deal("ChipLaunchReported", "chip", "announced", "2024", { designer: "a", chip: "C" });
    log.deal("ProductLaunchReported", "prod", "announced", "2024", {
      owner: "a",
      product: "P",
      layer: "compute",
    });
    log.deal("GovernanceEventReported", "gov", "announced", "2024", {
      subjects: ["a"],
      kind: "litigation",
      title: "T",
    });
    const layer = (id: string) => record(log, id, "2025-01-01").layer;
    expect(["lic", "p0", "p1", "chip", "prod", "gov"].map(layer)).toEqual([
      "model",
      null,
      "energy",
      "hardware",
      "compute",
      null,
    ]);
  });
});

describe("the deal record: parties, text and bookkeeping", () => {
  it("lists parties with roles in the catalog's field order, one per list element, names at K", () => {
    const log = withCompanies("a", "b", "c");
    log.add("CompanyUpdated", { companyId: "b", name: "Bee" });
    log.deal("ComputeDealReported", "x", "announced", "2024", {
      acceleratorDesigner: "c",
      provider: "b",
      customer: "a",
    });
    log.deal("FundingRoundReported", "f", "announced", "2024", {
      investors: [{ companyId: "b" }, { companyId: "c" }],
      round: "seed",
      investee: "a",
    });
    log.deal("ProductLaunchReported", "p", "announced", "2024", {
      owner: "a",
      product: "P",
      layer: "application",
      hostedOn: ["b", "a"],
    });
    log.deal("ModelReleaseReported", "m", "announced", "2024", {
      developer: "a",
      model: "M",
      access: "api",
      baseModel: { name: "B", developer: "b" },
    });
    const parties = (id: string) =>
      record(log, id, "2025-01-01").parties.map((p) => `${p.role}:${p.companyId}`);
    expect(parties("x")).toEqual(["customer:a", "provider:b", "acceleratorDesigner:c"]);
    expect(parties("f")).toEqual(["investee:a", "investor:b", "investor:c"]);
    expect(parties("p")).toEqual(["owner:a", "host:b", "host:a"]);
    expect(parties("m")).toEqual(["developer:a"]);
    expect(record(log, "x", "2025-01-01").parties[1]).toEqual({
      companyId: "b",
      name: "Bee",
      role: "provider",
    });
  });

  it("keeps every source once (by URL, first occurrence, log order), summary and confidence as corrected", () => {
    const log = withCompanies("a", "b");
    const opening = log.add("LicenseDealReported", {
      dealId: "x",
      status: "announced",
      summary: "old",
      confidence: 0.5,
      sources: [{ url: "https://one.example/", title: "One" }, { title: "Untitled" }],
      licensee: "a",
      licensor: "b",
    });
    log.add("DealStatusChanged", {
      dealId: "x",
      status: "completed",
      sources: [{ url: "https://two.example/" }, { url: "https://one.example/", title: "Again" }],
    });
    log.correct("x", opening, { summary: "new" });
    const x = record(log, "x", "2100-01-01");
    expect(x.sources).toEqual([
      { url: "https://one.example/", title: "One" },
      { title: "Untitled" },
      { url: "https://two.example/" },
    ]);
    expect(x).toMatchObject({ summary: "new", confidence: 0.5, events: 3 });
    expect(x.lastRecordedAt).toBe("2030-01-01T12:00:00Z");
  });

  it("takes a correction's sources in place of its target's, in the target's place; not for an unknown event", () => {
    const log = withCompanies("a", "b");
    const opening = log.add("LicenseDealReported", {
      dealId: "x",
      status: "announced",
      sources: [{ url: "https://one.example/", title: "One" }],
      licensee: "a",
      licensor: "b",
    });
    const bare = log.status("x", "completed");
    const second = log.add("DealStatusChanged", {
      dealId: "x",
      status: "cancelled",
      sources: [{ url: "https://two.example/" }, { title: 'Two "quoted" Σ' }],
    });
    log.add("DealEnded", { dealId: "x", sources: [{ url: "https://three.example/" }] });
    const sources = (count?: number) => record(log, "x", "2100-01-01", count).sources;
    const before = sources();
    expect(before).toEqual([
      { url: "https://one.example/", title: "One" },
      { url: "https://two.example/" },
      { title: 'Two "quoted" Σ' },
      { url: "https://three.example/" },
    ]);
    // A sourceless event given sources by a correction keeps its place (before the later events' sources);
    // the correction's own sources come after every earlier event's.
    log.add("DealCorrected", {
      dealId: "x",
      correctsEventId: bare,
      changes: { sources: [{ url: "https://bare.example/" }, { url: "https://two.example/", title: "Dup" }] },
      sources: [{ url: "https://own.example/" }, { url: "https://one.example/", title: "Dup" }],
    });
    expect(sources()).toEqual([
      { url: "https://one.example/", title: "One" },
      { url: "https://bare.example/" },
      { url: "https://two.example/", title: "Dup" },
      { title: 'Two "quoted" Σ' },
      { url: "https://three.example/" },
      { url: "https://own.example/" },
    ]);
    const n = log.events.length;
    // Sources emptied; then an unknown event (another deal's) corrected: ignored.
    log.correct("x", second, { sources: [] });
    log.correct("x", log.correct("y", "nope", {}), { sources: [{ url: "https://never.example/" }] });
    log.correct("x", opening, { sources: [{ title: "Replaced" }], summary: "s" });
    expect(sources(n + 1).map((s) => s.url ?? s.title)).toEqual([
      "https://one.example/",
      "https://bare.example/",
      "https://two.example/",
      "https://three.example/",
      "https://own.example/",
    ]);
    expect(sources().map((s) => s.url ?? s.title)).toEqual([
      "Replaced",
      "https://bare.example/",
      "https://two.example/",
      "https://three.example/",
      "https://own.example/",
      "https://one.example/",
    ]);
    expect(record(log, "x", "2100-01-01")).toMatchObject({ summary: "s", events: 8 });
  });

  it("keeps every source once past the few it compares one by one", () => {
    const log = withCompanies("a", "b");
    const url = (i: number) => ({ url: `https://s${i}.example/` });
    log.add("LicenseDealReported", {
      dealId: "x",
      status: "announced",
      sources: [url(1), { title: "T" }, url(1), { title: "T", publisher: "P" }, url(2)],
      licensee: "a",
      licensor: "b",
    });
    log.add("DealStatusChanged", {
      dealId: "x",
      status: "completed",
      sources: [url(3), url(4), url(5), url(6), url(7), { title: "T" }, url(2), url(8), url(9)],
    });
    log.add("DealEnded", { dealId: "x", sources: [url(9), { title: "T", publisher: "P" }, { title: "U" }] });
    expect(record(log, "x", "2100-01-01").sources).toEqual([
      url(1),
      { title: "T" },
      { title: "T", publisher: "P" },
      url(2),
      url(3),
      url(4),
      url(5),
      url(6),
      url(7),
      url(8),
      url(9),
      { title: "U" },
    ]);
  });

  it("counts an undated deal from the UTC day it was recorded", () => {
    const log = withCompanies("a", "b");
    log.add(
      "LicenseDealReported",
      { dealId: "x", status: "reported", sources: [{ title: "t" }], licensee: "a", licensor: "b" },
      "2025-03-04T23:59:00Z",
    );
    expect(record(log, "x", "2025-03-03").status).toBeNull();
    expect(record(log, "x", "2025-03-04")).toMatchObject({ status: "reported", openedOn: "2025-03-04" });
  });

  it("is unknown before its opening event is known", () => {
    const log = withCompanies("a");
    expect(dealRecordAt(foldDealRecords(log.events), "x", isoToDay("2025-01-01"))).toBeUndefined();
  });
});
