import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { percentAcquiredOf } from "./capital-deals.js";
import { EVENT_TYPES } from "./catalog.js";
import { parseEventInput } from "./event-envelope.js";
import { licenseLayerOf } from "./relationship-deals.js";

// The lead copies the seed file into the repo as the demo data set; until then it lives beside the repo.
const seedFile = [
  new URL("../../data/demo-events.ndjson", import.meta.url),
  new URL("../../../shared/data/seed-events.ndjson", import.meta.url),
].find((url) => existsSync(url));

const seedLines = seedFile
  ? readFileSync(seedFile, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
  : [];

const source = { url: "https://example.com/news", title: "A report" };
const opening = (fields: Record<string, unknown>) => ({
  dealId: "d-1",
  status: "announced",
  sources: [source],
  ...fields,
});

const issuesOf = (type: string, data: unknown) => {
  const result = parseEventInput({ type, data });
  return result.success ? [] : result.issues;
};
const pathsOf = (type: string, data: unknown) => issuesOf(type, data).map((issue) => issue.path);

describe("seed events", () => {
  it("has all 63 lines", () => {
    expect(seedLines).toHaveLength(63);
  });

  it.each(seedLines.map((line, index) => [index + 1, line] as const))(
    "line %i parses and keeps its data",
    (_, line) => {
      const input = JSON.parse(line);
      const result = parseEventInput(input);
      expect(result.success ? [] : result.issues).toEqual([]);
      expect(result.success && result.event).toStrictEqual(input);
    },
  );
});

describe("unknown fields", () => {
  it("are rejected at the top level of data", () => {
    expect(pathsOf("DealEnded", { dealId: "d-1", foo: 1 })).toEqual(["data.foo"]);
  });

  it("are rejected in nested objects, each at its own path", () => {
    const data = opening({
      sources: [{ ...source, foo: 1, bar: 2 }],
      acquirer: "a",
      target: "b",
      price: { usd: 1, original: { amount: 1, currency: "EUR", rate: 2 } },
    });
    expect(pathsOf("AcquisitionReported", data)).toEqual([
      "data.sources.0.foo",
      "data.sources.0.bar",
      "data.price.original.rate",
    ]);
  });

  it("are rejected in registration layers and partnership dependencies", () => {
    expect(
      pathsOf("CompanyRegistered", {
        companyId: "a",
        name: "A",
        kind: "company",
        layers: [{ layer: "model", x: 1 }],
      }),
    ).toEqual(["data.layers.0.x"]);
    const dependency = { customer: "a", supplier: "b", layer: "compute", weight: 1 };
    expect(pathsOf("PartnershipReported", opening({ partners: ["a", "b"], dependency }))).toEqual([
      "data.dependency.weight",
    ]);
  });
});

describe("primitives inside events", () => {
  it("rejects a bad slug", () => {
    expect(pathsOf("CompanyRegistered", { companyId: "Open_AI", name: "OpenAI", kind: "company" })).toEqual([
      "data.companyId",
    ]);
    expect(pathsOf("DealEnded", { dealId: "deal--1" })).toEqual(["data.dealId"]);
  });

  it("rejects impossible dates", () => {
    expect(pathsOf("DealEnded", { dealId: "d", occurredOn: "2025-02-30" })).toEqual(["data.occurredOn"]);
    expect(pathsOf("DealEnded", { dealId: "d", occurredOn: "2025-Q5" })).toEqual(["data.occurredOn"]);
  });

  it("rejects a source without url or title, and a non-http url", () => {
    expect(pathsOf("DealEnded", { dealId: "d", sources: [{ publisher: "P" }] })).toEqual(["data.sources.0"]);
    expect(pathsOf("DealEnded", { dealId: "d", sources: [{ url: "ftp://example.com/x" }] })).toEqual([
      "data.sources.0.url",
    ]);
  });

  it("needs at least one source on an opening event", () => {
    const data = opening({ sources: [], subjects: ["a"], kind: "other", title: "T" });
    expect(pathsOf("GovernanceEventReported", data)).toEqual(["data.sources"]);
  });

  it("bounds arrays at 100 entries", () => {
    const subjects = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    const data = (n: number) => opening({ subjects: subjects(n), kind: "other", title: "T" });
    expect(pathsOf("GovernanceEventReported", data(100))).toEqual([]);
    expect(pathsOf("GovernanceEventReported", data(101))).toEqual(["data.subjects"]);
    expect(pathsOf("GovernanceEventReported", data(0))).toEqual(["data.subjects"]);
  });

  it("checks confidence, termMonths and capacity", () => {
    const deal = (extra: Record<string, unknown>) => opening({ customer: "a", provider: "b", ...extra });
    expect(pathsOf("ComputeDealReported", deal({ confidence: 1, termMonths: 1 }))).toEqual([]);
    expect(pathsOf("ComputeDealReported", deal({ confidence: 1.01 }))).toEqual(["data.confidence"]);
    expect(pathsOf("ComputeDealReported", deal({ termMonths: 1.5 }))).toEqual(["data.termMonths"]);
    expect(pathsOf("ComputeDealReported", deal({ termMonths: 0 }))).toEqual(["data.termMonths"]);
    expect(pathsOf("ComputeDealReported", deal({ capacity: { value: 0, unit: "GW" } }))).toEqual([
      "data.capacity.value",
    ]);
    expect(pathsOf("ComputeDealReported", deal({ capacity: { value: 1, unit: "kW" } }))).toEqual([
      "data.capacity.unit",
    ]);
  });
});

describe("cross-field rules", () => {
  it("rejects repeated hosts of a product launch at the repeat", () => {
    const launch = (hostedOn: string[]) =>
      opening({ owner: "o", product: "P", layer: "application", hostedOn });
    expect(pathsOf("ProductLaunchReported", launch(["h", "g", "h"]))).toEqual(["data.hostedOn.2"]);
    expect(pathsOf("ProductLaunchReported", launch(["h", "g"]))).toEqual([]);
  });

  it("rejects repeated partners at the repeat", () => {
    expect(pathsOf("PartnershipReported", opening({ partners: ["a", "b", "a"] }))).toEqual([
      "data.partners.2",
    ]);
  });

  it("needs two partners", () => {
    expect(pathsOf("PartnershipReported", opening({ partners: ["a"] }))).toEqual(["data.partners"]);
  });

  it("needs dependency ends to be two different partners", () => {
    const partnership = (customer: string, supplier: string) =>
      opening({ partners: ["a", "b"], dependency: { customer, supplier, layer: "model" } });
    expect(pathsOf("PartnershipReported", partnership("a", "b"))).toEqual([]);
    expect(pathsOf("PartnershipReported", partnership("c", "b"))).toEqual(["data.dependency.customer"]);
    expect(pathsOf("PartnershipReported", partnership("a", "z"))).toEqual(["data.dependency.supplier"]);
    expect(pathsOf("PartnershipReported", partnership("a", "a"))).toEqual(["data.dependency.supplier"]);
  });

  it("rejects an acquirer that is the target", () => {
    const issues = issuesOf("AcquisitionReported", opening({ acquirer: "a", target: "a" }));
    expect(issues).toEqual([{ path: "data.target", message: "target must differ from acquirer" }]);
  });

  it("rejects a holder that is the entity", () => {
    expect(pathsOf("StakeChangeReported", opening({ holder: "a", entity: "a", percentAfter: 10 }))).toEqual([
      "data.entity",
    ]);
  });

  it("rejects repeated investors and an empty investor list", () => {
    const round = (investors: unknown[]) => opening({ investee: "x", round: "series_a", investors });
    expect(
      pathsOf("FundingRoundReported", round([{ companyId: "a" }, { companyId: "a", lead: true }])),
    ).toEqual(["data.investors.1.companyId"]);
    expect(pathsOf("FundingRoundReported", round([]))).toEqual(["data.investors"]);
  });

  it("reports cross-field problems together with field problems", () => {
    const data = opening({ partners: ["a", "a"], sources: [{ url: "nope" }] });
    expect(pathsOf("PartnershipReported", data)).toEqual(["data.sources.0.url", "data.partners.1"]);
  });
});

describe("enums and defaults", () => {
  it.each(["pre_seed", "seed", "series_a", "series_j", "growth", "corporate", "debt", "grant", "other"])(
    "accepts the round %s",
    (round) => {
      expect(
        pathsOf("FundingRoundReported", opening({ investee: "x", round, investors: [{ companyId: "a" }] })),
      ).toEqual([]);
    },
  );

  it("rejects an unknown round", () => {
    const data = opening({ investee: "x", round: "series_k", investors: [{ companyId: "a" }] });
    expect(pathsOf("FundingRoundReported", data)).toEqual(["data.round"]);
  });

  it("bounds percentAcquired to (0, 100] and leaves an absent one absent", () => {
    const acquisition = (extra: Record<string, unknown>) => opening({ acquirer: "a", target: "b", ...extra });
    expect(pathsOf("AcquisitionReported", acquisition({ percentAcquired: 0 }))).toEqual([
      "data.percentAcquired",
    ]);
    expect(pathsOf("AcquisitionReported", acquisition({ percentAcquired: 100.1 }))).toEqual([
      "data.percentAcquired",
    ]);
    expect(pathsOf("AcquisitionReported", acquisition({ percentAcquired: 0.1 }))).toEqual([]);
    const parsed = parseEventInput({ type: "AcquisitionReported", data: acquisition({}) });
    expect(parsed.success && "percentAcquired" in parsed.event.data).toBe(false);
    expect(percentAcquiredOf({})).toBe(100);
    expect(percentAcquiredOf({ percentAcquired: 30 })).toBe(30);
  });

  it("reads an absent license layer as model", () => {
    expect(licenseLayerOf({})).toBe("model");
    expect(licenseLayerOf({ layer: "application" })).toBe("application");
  });

  it("covers every event type with a schema", () => {
    expect(EVENT_TYPES).toHaveLength(18);
  });
});
