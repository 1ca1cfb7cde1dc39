import fc from "fast-check";
import {
  ACQUISITION_KINDS,
  ACQUISITION_TERMS,
  CAPACITY_UNITS,
  CHIP_CLASSES,
  COMPANY_KINDS,
  DEPENDENCY_LAYERS,
  type DomainEvent,
  EVENT_TYPES,
  type EventDataByType,
  type EventType,
  EXPECTED_VERSION_KEYWORDS,
  type ExpectedVersion,
  FUNDING_ROUNDS,
  GOVERNANCE_KINDS,
  type JsonObject,
  LAYERS,
  MAX_NAME_LENGTH,
  MAX_SUMMARY_LENGTH,
  MAX_TEXT_LENGTH,
  MODEL_ACCESS,
  MONEY_PERIODS,
  PRODUCT_LAYERS,
  STATUSES,
  SUPPLY_LAYERS,
} from "../../src/events/index.js";

// Valid events of every type, built from the spec rather than from the schemas, so that the
// property tests compare two readings of it. Optional fields are absent (never `undefined`) and
// every value survives JSON, so a generated event is exactly what a client could post.

/** `fc.record` where only `required` keys are always present; no null-prototype objects (JSON has none). */
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: (keyof T)[] = []) =>
  fc.record(model, { requiredKeys: required, noNullPrototype: true });

const slug = (prefix: string) =>
  fc
    .array(fc.stringMatching(/^[a-z0-9]{1,7}$/), { minLength: 1, maxLength: 7 })
    .map((parts) => [prefix, ...parts].join("-"));

/** Company ids start with `co-` and deal ids with `deal-`, so tests can tell them apart in an event. */
export const arbitraryCompanyId = (): fc.Arbitrary<string> => slug("co");
export const arbitraryDealId = (): fc.Arbitrary<string> => slug("deal");

/** Non-empty text of at most `max` UTF-16 units: mostly short and varied, sometimes exactly at the bound. */
export const arbitraryText = (max: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 6, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }) },
      { weight: 1, arbitrary: fc.string({ minLength: max, maxLength: max }) },
    )
    .filter((text) => text.length >= 1 && text.length <= max);

const name = () => arbitraryText(MAX_NAME_LENGTH);
const longText = () => arbitraryText(MAX_TEXT_LENGTH);
const list = <T>(item: fc.Arbitrary<T>, minLength = 0) => fc.array(item, { minLength, maxLength: 4 });

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
const pad2 = (n: number): string => String(n).padStart(2, "0");
const year = () => fc.integer({ min: 1000, max: 9999 });

export const arbitraryIsoDate = (): fc.Arbitrary<string> =>
  fc
    .tuple(year(), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
    .map(([y, m, d]) => `${y}-${pad2(m)}-${pad2(Math.min(d, daysIn(y, m)))}`);

export const arbitraryPartialDate = (): fc.Arbitrary<string> =>
  fc.oneof(
    year().map(String),
    fc.tuple(year(), fc.constantFrom("H1", "H2", "Q1", "Q2", "Q3", "Q4")).map(([y, p]) => `${y}-${p}`),
    fc.tuple(year(), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${pad2(m)}`),
    arbitraryIsoDate(),
  );

/** Finite and > 0; `-0` never appears because JSON would turn it into `0`. */
const positive = () => fc.double({ min: Number.MIN_VALUE, max: 1e15, noNaN: true });
const between = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => x + 0);

export const arbitraryMoney = () =>
  rec(
    {
      usd: positive(),
      per: fc.constantFrom(...MONEY_PERIODS),
      estimated: fc.boolean(),
      original: rec({ amount: positive(), currency: fc.stringMatching(/^[A-Z]{3}$/) }, [
        "amount",
        "currency",
      ]),
    },
    ["usd"],
  );

const url = () =>
  fc
    .webUrl({ validSchemes: ["http", "https"], withQueryParameters: true, withFragments: true })
    .filter((u) => u.length <= 2048);

export const arbitrarySource = () =>
  rec({
    url: url(),
    publisher: name(),
    title: name(),
    publishedOn: arbitraryIsoDate(),
    quote: longText(),
  }).filter((source) => source.url !== undefined || source.title !== undefined);

const capacity = () =>
  rec({ value: positive(), unit: fc.constantFrom(...CAPACITY_UNITS) }, ["value", "unit"]);
const termMonths = () => fc.integer({ min: 1, max: 600 });
const companyId = arbitraryCompanyId;

/** `count` distinct company ids. */
const distinctIds = (count: number) => fc.uniqueArray(companyId(), { minLength: count, maxLength: count });

const opening = <T>(own: fc.Arbitrary<T>) =>
  fc
    .tuple(
      rec(
        {
          dealId: arbitraryDealId(),
          status: fc.constantFrom(...STATUSES),
          occurredOn: arbitraryPartialDate(),
          sources: list(arbitrarySource(), 1),
          confidence: between(0, 1),
          summary: arbitraryText(MAX_SUMMARY_LENGTH),
        },
        ["dealId", "status", "sources"],
      ),
      own,
    )
    .map(([common, fields]) => ({ ...common, ...fields }));

const lifecycle = <T>(own: fc.Arbitrary<T>) =>
  fc
    .tuple(
      rec(
        {
          dealId: arbitraryDealId(),
          occurredOn: arbitraryPartialDate(),
          sources: list(arbitrarySource()),
          reason: longText(),
        },
        ["dealId"],
      ),
      own,
    )
    .map(([common, fields]) => ({ ...common, ...fields }));

/** A plausible patch; parse-time validation only asks for a non-empty object. */
const changes = () =>
  rec({
    amount: arbitraryMoney(),
    termMonths: termMonths(),
    description: longText(),
    status: fc.constantFrom(...STATUSES),
    occurredOn: arbitraryPartialDate(),
  }).filter((patch) => Object.keys(patch).length > 0);

const partnership = () =>
  fc.uniqueArray(companyId(), { minLength: 2, maxLength: 5 }).chain((partners) =>
    rec(
      {
        partners: fc.constant(partners),
        dependency: fc
          .tuple(
            fc.nat({ max: partners.length - 1 }),
            fc.integer({ min: 1, max: partners.length - 1 }),
            fc.constantFrom(...DEPENDENCY_LAYERS),
          )
          .map(([customer, offset, layer]) => ({
            customer: partners[customer]!,
            supplier: partners[(customer + offset) % partners.length]!,
            layer,
          })),
        amount: arbitraryMoney(),
        termMonths: termMonths(),
        description: longText(),
      },
      ["partners"],
    ),
  );

const dataArbitraries: { [K in EventType]: fc.Arbitrary<EventDataByType[K]> } = {
  CompanyRegistered: rec(
    {
      companyId: companyId(),
      name: name(),
      kind: fc.constantFrom(...COMPANY_KINDS),
      country: fc.stringMatching(/^[A-Z]{2}$/),
      foundedOn: arbitraryPartialDate(),
      aliases: list(name()),
      layers: list(rec({ layer: fc.constantFrom(...LAYERS), since: arbitraryPartialDate() }, ["layer"])),
      sources: list(arbitrarySource()),
    },
    ["companyId", "name", "kind"],
  ),
  CompanyUpdated: rec(
    { companyId: companyId(), name: name(), aliases: list(name()), country: fc.stringMatching(/^[A-Z]{2}$/) },
    ["companyId"],
  ),
  FundingRoundReported: opening(
    rec(
      {
        investee: companyId(),
        round: fc.constantFrom(...FUNDING_ROUNDS),
        amount: arbitraryMoney(),
        postMoneyValuation: arbitraryMoney(),
        investors: fc.uniqueArray(
          rec({ companyId: companyId(), amount: arbitraryMoney(), lead: fc.boolean() }, ["companyId"]),
          { minLength: 1, maxLength: 4, selector: (investor) => investor.companyId },
        ),
      },
      ["investee", "round", "investors"],
    ),
  ),
  AcquisitionReported: opening(
    fc
      .tuple(
        distinctIds(2),
        rec({
          percentAcquired: fc.oneof(
            fc.constant(100),
            fc.double({ min: 0, max: 100, minExcluded: true, noNaN: true }),
          ),
          price: arbitraryMoney(),
          terms: fc.constantFrom(...ACQUISITION_TERMS),
          kind: fc.constantFrom(...ACQUISITION_KINDS),
        }),
      )
      .map(([[acquirer, target], rest]) => ({ acquirer: acquirer!, target: target!, ...rest })),
  ),
  StakeChangeReported: opening(
    fc
      .tuple(
        distinctIds(2),
        rec({ percentAfter: between(0, 100), control: fc.boolean(), consideration: arbitraryMoney() }),
      )
      .map(([[holder, entity], rest]) => ({ holder: holder!, entity: entity!, ...rest })),
  ),
  PartnershipReported: opening(partnership()),
  ComputeDealReported: opening(
    rec(
      {
        customer: companyId(),
        provider: companyId(),
        amount: arbitraryMoney(),
        capacity: capacity(),
        termMonths: termMonths(),
        acceleratorDesigner: companyId(),
        sites: list(name()),
      },
      ["customer", "provider"],
    ),
  ),
  SupplyDealReported: opening(
    rec(
      {
        customer: companyId(),
        supplier: companyId(),
        layer: fc.constantFrom(...SUPPLY_LAYERS),
        amount: arbitraryMoney(),
        capacity: capacity(),
        termMonths: termMonths(),
        items: list(longText()),
      },
      ["customer", "supplier", "layer"],
    ),
  ),
  LicenseDealReported: opening(
    rec(
      {
        licensee: companyId(),
        licensor: companyId(),
        layer: fc.constantFrom(...LAYERS),
        amount: arbitraryMoney(),
        exclusive: fc.boolean(),
        talentHired: fc.boolean(),
      },
      ["licensee", "licensor"],
    ),
  ),
  ChipLaunchReported: opening(
    rec(
      {
        designer: companyId(),
        chip: name(),
        chipClass: fc.constantFrom(...CHIP_CLASSES),
        manufacturer: companyId(),
        designPartner: companyId(),
      },
      ["designer", "chip"],
    ),
  ),
  ModelReleaseReported: opening(
    rec(
      {
        developer: companyId(),
        model: name(),
        access: fc.constantFrom(...MODEL_ACCESS),
        baseModel: rec({ name: name(), developer: companyId() }, ["name"]),
      },
      ["developer", "model", "access"],
    ),
  ),
  ProductLaunchReported: opening(
    rec(
      {
        owner: companyId(),
        product: name(),
        layer: fc.constantFrom(...PRODUCT_LAYERS),
        hostedOn: fc.uniqueArray(companyId(), { maxLength: 4 }),
      },
      ["owner", "product", "layer"],
    ),
  ),
  GovernanceEventReported: opening(
    rec({ subjects: list(companyId(), 1), kind: fc.constantFrom(...GOVERNANCE_KINDS), title: name() }, [
      "subjects",
      "kind",
      "title",
    ]),
  ),
  DealStatusChanged: lifecycle(rec({ status: fc.constantFrom(...STATUSES) }, ["status"])),
  DealAmended: lifecycle(rec({ changes: changes() }, ["changes"])),
  DealEnded: lifecycle(fc.constant({})),
  DealCorrected: lifecycle(
    rec({ correctsEventId: fc.uuid({ version: [4, 5] }), changes: changes() }, [
      "correctsEventId",
      "changes",
    ]),
  ),
  DealRetracted: lifecycle(fc.constant({})),
};

/** Valid `data` for one event type. */
export const arbitraryEventData = <K extends EventType>(type: K): fc.Arbitrary<EventDataByType[K]> =>
  dataArbitraries[type];

/** A valid `{ type, data }` of any of `types` (all by default). */
export const arbitraryEvent = (types: readonly EventType[] = EVENT_TYPES): fc.Arbitrary<DomainEvent> =>
  fc.oneof(...types.map((type) => arbitraryEventData(type).map((data) => ({ type, data }) as DomainEvent)));

const jsonKey = () => fc.string({ maxLength: 12 }).filter((key) => key !== "__proto__");

/** Small JSON objects, well inside the metadata limits. */
export const arbitraryMetadata = (): fc.Arbitrary<JsonObject> =>
  fc.dictionary(
    jsonKey(),
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 4 }),
    ),
    { maxKeys: 5, noNullPrototype: true },
  );

export type ArbitraryEventInput = DomainEvent & {
  id?: string;
  metadata?: JsonObject;
  expectedVersion?: ExpectedVersion;
};

/** A valid client envelope: an event with, sometimes, an id, metadata and an expected version. */
export const arbitraryEventInput = (
  types: readonly EventType[] = EVENT_TYPES,
): fc.Arbitrary<ArbitraryEventInput> =>
  fc
    .tuple(
      arbitraryEvent(types),
      rec({
        id: fc.uuid({ version: [1, 4, 5, 7] }),
        metadata: arbitraryMetadata(),
        expectedVersion: fc.oneof(fc.constantFrom(...EXPECTED_VERSION_KEYWORDS), fc.nat()),
      }),
    )
    .map(([event, envelope]) => ({ ...event, ...envelope }));
