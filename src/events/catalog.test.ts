import { describe, expect, it } from "vitest";
import {
  COMPANY_EVENT_TYPES,
  type DomainEvent,
  EVENT_TYPES,
  eventDataSchemas,
  eventKind,
  LIFECYCLE_EVENT_TYPES,
  OPENING_EVENT_TYPES,
  streamIdOf,
} from "./catalog.js";
import { partiesOf, referencedCompanyIds } from "./company-references.js";

const sources = [{ title: "T" }];
const common = { dealId: "d-1", status: "announced" as const, sources };

describe("event type lists", () => {
  it("partition the 18 types, each with a schema", () => {
    expect(EVENT_TYPES).toHaveLength(18);
    expect(new Set([...COMPANY_EVENT_TYPES, ...OPENING_EVENT_TYPES, ...LIFECYCLE_EVENT_TYPES])).toEqual(
      new Set(EVENT_TYPES),
    );
    expect(Object.keys(eventDataSchemas).sort()).toEqual([...EVENT_TYPES].sort());
  });
});

describe("eventKind", () => {
  it("tells registration, company, opening and lifecycle events apart", () => {
    expect(eventKind("CompanyRegistered")).toBe("register");
    expect(eventKind("CompanyUpdated")).toBe("company");
    for (const type of OPENING_EVENT_TYPES) expect(eventKind(type)).toBe("open");
    for (const type of LIFECYCLE_EVENT_TYPES) expect(eventKind(type)).toBe("life");
  });
});

describe("streamIdOf", () => {
  it("puts company events on the company stream and the rest on the deal stream", () => {
    expect(
      streamIdOf({
        type: "CompanyRegistered",
        data: { companyId: "openai", name: "OpenAI", kind: "company" },
      }),
    ).toBe("company-openai");
    expect(streamIdOf({ type: "CompanyUpdated", data: { companyId: "openai" } })).toBe("company-openai");
    expect(streamIdOf({ type: "DealEnded", data: { dealId: "spacex-anysphere" } })).toBe(
      "deal-spacex-anysphere",
    );
    expect(
      streamIdOf({
        type: "AcquisitionReported",
        data: { ...common, dealId: "x-y", acquirer: "x", target: "y" },
      }),
    ).toBe("deal-x-y");
  });
});

describe("referencedCompanyIds and partiesOf", () => {
  const cases: [string, DomainEvent, string[]][] = [
    [
      "a registration references nothing",
      { type: "CompanyRegistered", data: { companyId: "a", name: "A", kind: "company" } },
      [],
    ],
    [
      "an update references its company",
      { type: "CompanyUpdated", data: { companyId: "a", name: "A2" } },
      ["a"],
    ],
    [
      "a funding round: investee and investors",
      {
        type: "FundingRoundReported",
        data: {
          ...common,
          investee: "z",
          round: "seed",
          investors: [{ companyId: "b" }, { companyId: "a" }],
        },
      },
      ["a", "b", "z"],
    ],
    [
      "a partnership: partners and dependency ends",
      {
        type: "PartnershipReported",
        data: {
          ...common,
          partners: ["b", "a"],
          dependency: { customer: "a", supplier: "b", layer: "energy" },
        },
      },
      ["a", "b"],
    ],
    [
      "a compute deal: parties and accelerator designer",
      {
        type: "ComputeDealReported",
        data: { ...common, customer: "c", provider: "p", acceleratorDesigner: "n" },
      },
      ["c", "n", "p"],
    ],
    [
      "a chip launch: designer, manufacturer, design partner",
      {
        type: "ChipLaunchReported",
        data: { ...common, designer: "d", chip: "X1", manufacturer: "m", designPartner: "b" },
      },
      ["b", "d", "m"],
    ],
    [
      "a model release: developer and base-model developer",
      {
        type: "ModelReleaseReported",
        data: {
          ...common,
          developer: "d",
          model: "M",
          access: "api",
          baseModel: { name: "B", developer: "e" },
        },
      },
      ["d", "e"],
    ],
    [
      "a product launch: owner and hosts",
      {
        type: "ProductLaunchReported",
        data: { ...common, owner: "o", product: "P", layer: "application", hostedOn: ["h", "g", "h"] },
      },
      ["g", "h", "o"],
    ],
    [
      "a governance event: subjects",
      {
        type: "GovernanceEventReported",
        data: { ...common, subjects: ["s", "r"], kind: "other", title: "T" },
      },
      ["r", "s"],
    ],
    ["a status change: none", { type: "DealStatusChanged", data: { dealId: "d", status: "completed" } }, []],
    [
      "a correction: the parties it moves",
      {
        type: "DealCorrected",
        data: {
          dealId: "d",
          correctsEventId: "0b6d5f4e-3a2c-4b1d-9e8f-7a6b5c4d3e2f",
          changes: { acquirer: "q", partners: ["x", "NOT A SLUG"] },
        },
      },
      ["q", "x"],
    ],
  ];

  it.each(cases)("%s", (_, event, expected) => {
    expect(referencedCompanyIds(event)).toEqual(expected);
  });

  it("gives the company itself as the party of company events, the referenced ids otherwise", () => {
    expect(
      partiesOf({ type: "CompanyRegistered", data: { companyId: "a", name: "A", kind: "company" } }),
    ).toEqual(["a"]);
    expect(partiesOf({ type: "CompanyUpdated", data: { companyId: "a" } })).toEqual(["a"]);
    for (const [, event, expected] of cases.slice(2)) expect(partiesOf(event)).toEqual(expected);
  });
});
