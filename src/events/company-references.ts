import { type DomainEvent, isCompanyEvent, isOpeningEvent } from "./catalog.js";
import { CompanyId, isRecord } from "./primitives.js";

/** Fields holding one company id, across every opening type. */
export const SINGLE_ID_FIELDS = [
  "investee",
  "acquirer",
  "target",
  "holder",
  "entity",
  "customer",
  "provider",
  "acceleratorDesigner",
  "supplier",
  "licensee",
  "licensor",
  "designer",
  "manufacturer",
  "designPartner",
  "developer",
  "owner",
] as const;

/** Fields holding a list of company ids. */
export const ID_LIST_FIELDS = ["partners", "hostedOn", "subjects"] as const;

/**
 * The role of one element of a list of parties (a deal record names each party by its field, in the
 * singular). `investors` holds objects whose `companyId` is the party; the others hold ids.
 */
export const PARTY_LIST_ROLES = {
  partners: "partner",
  hostedOn: "host",
  subjects: "subject",
  investors: "investor",
} as const;

/** Fields holding objects whose listed keys hold company ids. */
const NESTED_ID_FIELDS = {
  investors: ["companyId"],
  dependency: ["customer", "supplier"],
  baseModel: ["developer"],
} as const;

const NESTED_ID_ENTRIES = Object.entries(NESTED_ID_FIELDS);

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * Company ids in the type-specific fields of an opening event, or in a patch of them.
 * Looks at values as `unknown` because a correction's `changes` are not validated until applied;
 * anything that is not a well-formed id is left to that validation.
 */
export const companyIdsInFields = (fields: Record<string, unknown>): string[] => {
  const found: unknown[] = [];
  // Absent fields are skipped before validation: the fold calls this for every opening event, and a failed
  // parse (of `undefined`, for the many fields a type does not have) costs an error object each.
  for (const field of SINGLE_ID_FIELDS) if (fields[field] !== undefined) found.push(fields[field]);
  for (const field of ID_LIST_FIELDS) if (fields[field] !== undefined) found.push(...asList(fields[field]));
  for (const [field, keys] of NESTED_ID_ENTRIES) {
    if (fields[field] === undefined) continue;
    for (const entry of asList(fields[field])) {
      if (isRecord(entry)) for (const key of keys) found.push(entry[key]);
    }
  }
  return sortedUnique(
    found.filter((value): value is string => typeof value === "string" && CompanyId.safeParse(value).success),
  );
};

const sortedUnique = (ids: string[]): string[] => [...new Set(ids)].sort();

/**
 * Every company id the event names, sorted and unique: the ids that must be registered before it
 * is appended. A registration does not reference its own id; an update references its company.
 * Lifecycle events name ids only inside a patch (`changes`), which is where a correction could move a party.
 */
export const referencedCompanyIds = (event: DomainEvent): string[] => {
  if (event.type === "CompanyRegistered") return [];
  if (event.type === "CompanyUpdated") return [event.data.companyId];
  if (event.type === "DealAmended" || event.type === "DealCorrected")
    return companyIdsInFields(event.data.changes);
  if (isOpeningEvent(event)) return companyIdsInFields(event.data);
  return [];
};

/**
 * The companies an event is about, for feed filtering: the company itself for company events, the
 * named companies for openings. A lifecycle event gives only the ids its patch names; the caller
 * adds the parties of the deal's opening event, which this pure function cannot see.
 */
export const partiesOf = (event: DomainEvent): string[] =>
  isCompanyEvent(event) ? [event.data.companyId] : referencedCompanyIds(event);
