import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbitraryEvent, arbitraryEventInput } from "../../test/support/arbitraries.js";
import { type EventType, isCompanyEventType, isOpeningEventType, streamIdOf } from "./catalog.js";
import { partiesOf, referencedCompanyIds } from "./company-references.js";
import { parseEventInput } from "./event-envelope.js";
import { isRecord } from "./primitives.js";

const NUM_RUNS = 200;

type Path = (string | number)[];

const OPENING_REQUIRED = ["dealId", "status", "sources"];
const LIFECYCLE_REQUIRED = ["dealId"];

/** Required `data` fields per type, read off the spec (not the schemas), so the two are checked against each other. */
const REQUIRED: { [K in EventType]: string[] } = {
  CompanyRegistered: ["companyId", "name", "kind"],
  CompanyUpdated: ["companyId"],
  FundingRoundReported: [...OPENING_REQUIRED, "investee", "round", "investors"],
  AcquisitionReported: [...OPENING_REQUIRED, "acquirer", "target"],
  StakeChangeReported: [...OPENING_REQUIRED, "holder", "entity"],
  PartnershipReported: [...OPENING_REQUIRED, "partners"],
  ComputeDealReported: [...OPENING_REQUIRED, "customer", "provider"],
  SupplyDealReported: [...OPENING_REQUIRED, "customer", "supplier", "layer"],
  LicenseDealReported: [...OPENING_REQUIRED, "licensee", "licensor"],
  ChipLaunchReported: [...OPENING_REQUIRED, "designer", "chip"],
  ModelReleaseReported: [...OPENING_REQUIRED, "developer", "model", "access"],
  ProductLaunchReported: [...OPENING_REQUIRED, "owner", "product", "layer"],
  GovernanceEventReported: [...OPENING_REQUIRED, "subjects", "kind", "title"],
  DealStatusChanged: [...LIFECYCLE_REQUIRED, "status"],
  DealAmended: [...LIFECYCLE_REQUIRED, "changes"],
  DealEnded: LIFECYCLE_REQUIRED,
  DealCorrected: [...LIFECYCLE_REQUIRED, "correctsEventId", "changes"],
  DealRetracted: LIFECYCLE_REQUIRED,
};

/** Required keys of nested objects, by the key (or list) that holds them. */
const NESTED_REQUIRED: Record<string, string[]> = {
  amount: ["usd"],
  price: ["usd"],
  postMoneyValuation: ["usd"],
  consideration: ["usd"],
  original: ["amount", "currency"],
  capacity: ["value", "unit"],
  dependency: ["customer", "supplier", "layer"],
  baseModel: ["name"],
  investors: ["companyId"],
  layers: ["layer"],
};

/** Every path under `data` with its value; `changes` is an opaque patch at parse time, so we stop there. */
const walk = (value: unknown, path: Path, visit: (path: Path, value: unknown) => void): void => {
  visit(path, value);
  if (path[path.length - 1] === "changes") return;
  const children = Array.isArray(value) ? value.entries() : isRecord(value) ? Object.entries(value) : [];
  for (const [key, child] of children) walk(child, [...path, key], visit);
};

const dataPaths = (event: { data: unknown }) => {
  const all: { path: Path; value: unknown }[] = [];
  walk(event.data, ["data"], (path, value) => all.push({ path, value }));
  return all;
};

/** Strict objects: the envelope and every object under `data` but the opaque `changes`. */
const strictObjectPaths = (event: { type: EventType; data: unknown }): Path[] => [
  [],
  ...dataPaths(event)
    .filter(({ path, value }) => isRecord(value) && path[path.length - 1] !== "changes")
    .map(({ path }) => path),
];

const requiredPaths = (event: { type: EventType; data: unknown }): Path[] => {
  const top = REQUIRED[event.type].map((key): Path => ["data", key]);
  const nested = dataPaths(event).flatMap(({ path, value }) => {
    if (!isRecord(value)) return [];
    const holder = [...path].reverse().find((segment) => typeof segment === "string");
    const keys = typeof holder === "string" ? (NESTED_REQUIRED[holder] ?? []) : [];
    return keys.map((key): Path => [...path, key]);
  });
  return [...top, ...nested];
};

const wrongTypeFor = (value: unknown): unknown =>
  typeof value === "string"
    ? 42
    : typeof value === "number"
      ? "42"
      : typeof value === "boolean"
        ? "true"
        : "wrong";

/** Returns a deep copy of `root` with the value at `path` replaced (or deleted when `value` is omitted). */
const withValueAt = (root: unknown, path: Path, ...value: [unknown?]): unknown => {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>((node, key) => node[key] as never, copy);
  const last = path[path.length - 1]!;
  if (value.length === 0) delete parent[last];
  else parent[last] = value[0];
  return copy;
};

const issuePaths = (input: unknown): string[] => {
  const result = parseEventInput(input);
  return result.success ? [] : result.issues.map((issue) => issue.path);
};

describe("generated events", () => {
  it("parse, and the parsed event deep-equals the input, also after a JSON round trip", () => {
    fc.assert(
      fc.property(arbitraryEventInput(), (input) => {
        const direct = parseEventInput(input);
        expect(direct.success ? [] : direct.issues).toEqual([]);
        expect(direct.success && direct.event).toStrictEqual(input);
        const viaJson = parseEventInput(JSON.parse(JSON.stringify(input)));
        expect(viaJson.success && viaJson.event).toStrictEqual(input);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("reference exactly the company ids they contain, and live on the right stream", () => {
    fc.assert(
      fc.property(arbitraryEvent(), (event) => {
        // Generated company ids start with `co-`; the registration's own id is not a reference.
        const contained = dataPaths(event)
          .filter(({ path }) => !(event.type === "CompanyRegistered" && path.join(".") === "data.companyId"))
          .map(({ value }) => value)
          .filter((value): value is string => typeof value === "string" && /^co-[a-z0-9-]+$/.test(value));
        expect(referencedCompanyIds(event)).toEqual([...new Set(contained)].sort());
        if (isOpeningEventType(event.type)) expect(partiesOf(event)).toEqual(referencedCompanyIds(event));
        const stream = streamIdOf(event);
        expect(stream.startsWith(isCompanyEventType(event.type) ? "company-co-" : "deal-deal-")).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("mutated events are rejected with an issue at the mutated path", () => {
  it("an unknown key at any object depth", () => {
    fc.assert(
      fc.property(arbitraryEventInput(), fc.nat(), (input, pick) => {
        const objects = strictObjectPaths(input);
        const path = [...objects[pick % objects.length]!, "zz_unknown"];
        expect(issuePaths(withValueAt(input, path, 1))).toContain(path.join("."));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("a field replaced by a value of the wrong type", () => {
    fc.assert(
      fc.property(arbitraryEventInput(), fc.nat(), (input, pick) => {
        const values = dataPaths(input);
        const { path, value } = values[pick % values.length]!;
        expect(issuePaths(withValueAt(input, path, wrongTypeFor(value)))).toContain(path.join("."));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("every required field, deleted one at a time", () => {
    fc.assert(
      fc.property(arbitraryEventInput(), (input) => {
        for (const path of requiredPaths(input)) {
          expect(issuePaths(withValueAt(input, path))).toContain(path.join("."));
        }
      }),
      // Each run parses one event per required field, so fewer runs cover as much.
      { numRuns: NUM_RUNS / 2 },
    );
  });
});
