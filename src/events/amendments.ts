import { z } from "zod";
import { acquisitionFields, fundingRoundFields, stakeChangeFields } from "./capital-deals.js";
import {
  type EventDataByType,
  type EventType,
  eventDataSchemas,
  isOpeningEventType,
  type OpeningEventType,
} from "./catalog.js";
import { governanceEventFields } from "./governance-event.js";
import { chipLaunchFields, modelReleaseFields, productLaunchFields } from "./launches.js";
import { Changes, type DealAmended } from "./lifecycle-events.js";
import {
  computeDealFields,
  licenseDealFields,
  partnershipFields,
  supplyDealFields,
} from "./relationship-deals.js";
import { toValidationIssues, type ValidationIssue } from "./validation-issue.js";

/** The type-specific fields of each opening type, without the common ones. */
const ownFieldShapes = {
  FundingRoundReported: fundingRoundFields,
  AcquisitionReported: acquisitionFields,
  StakeChangeReported: stakeChangeFields,
  PartnershipReported: partnershipFields,
  ComputeDealReported: computeDealFields,
  SupplyDealReported: supplyDealFields,
  LicenseDealReported: licenseDealFields,
  ChipLaunchReported: chipLaunchFields,
  ModelReleaseReported: modelReleaseFields,
  ProductLaunchReported: productLaunchFields,
  GovernanceEventReported: governanceEventFields,
} as const satisfies { readonly [K in OpeningEventType]: z.ZodRawShape };

/**
 * Own fields an amendment may not touch: parties (a different party is a different deal; `dependency`
 * and `baseModel` hold ids too) and stakes (a changed stake is a new `StakeChangeReported` deal).
 */
export const NON_AMENDABLE_FIELDS = [
  "investee",
  "investors",
  "acquirer",
  "target",
  "holder",
  "entity",
  "partners",
  "dependency",
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
  "baseModel",
  "owner",
  "hostedOn",
  "subjects",
  "percentAcquired",
  "percentAfter",
  "control",
] as const;
type NonAmendableField = (typeof NON_AMENDABLE_FIELDS)[number];

type OwnFields<K extends OpeningEventType> = Pick<
  EventDataByType[K],
  Extract<keyof EventDataByType[K], keyof (typeof ownFieldShapes)[K]>
>;

/** What a `DealAmended.changes` may hold for a deal opened by `K`. */
export type AmendmentChanges<K extends OpeningEventType> = Partial<Omit<OwnFields<K>, NonAmendableField>>;

const isNonAmendable = (field: string): field is NonAmendableField =>
  (NON_AMENDABLE_FIELDS as readonly string[]).includes(field);

/** The fields `DealAmended.changes` may touch, per opening type. */
export const AMENDABLE_FIELDS = Object.fromEntries(
  Object.entries(ownFieldShapes).map(([type, shape]) => [
    type,
    Object.keys(shape).filter((f) => !isNonAmendable(f)),
  ]),
) as unknown as { readonly [K in OpeningEventType]: readonly string[] };

const COMMON_FIELD_HINT =
  "status, occurredOn, sources, summary and confidence change only through DealStatusChanged or DealCorrected";

const buildAmendmentSchema = (shape: z.ZodRawShape) => {
  const amendable = Object.entries(shape)
    .filter(([field]) => !isNonAmendable(field))
    .map(([field, schema]) => [field, z.optional(schema)] as const);
  // Named refusals read better than "Unrecognized key" for the fields people will actually try.
  const refused = Object.keys(shape)
    .filter(isNonAmendable)
    .map(
      (field) =>
        [
          field,
          z
            .never({ error: `${field} cannot be amended: parties and stakes change through a new deal` })
            .optional(),
        ] as const,
    );
  const common = ["dealId", "status", "occurredOn", "sources", "summary", "confidence"].map(
    (field) =>
      [field, z.never({ error: `${field} cannot be amended: ${COMMON_FIELD_HINT}` }).optional()] as const,
  );
  // The patch's size is checked on what was sent, before the strict object drops unknown keys.
  return Changes.pipe(z.strictObject(Object.fromEntries([...amendable, ...refused, ...common])));
};

const amendmentSchemas = Object.fromEntries(
  Object.entries(ownFieldShapes).map(([type, shape]) => [type, buildAmendmentSchema(shape)]),
) as unknown as { readonly [K in OpeningEventType]: z.ZodType<AmendmentChanges<K>> };

/**
 * The schema of `DealAmended.changes` for a deal opened by `openingType`: a strict, non-empty partial
 * of that type's own fields, without parties and stakes.
 *
 * @example
 * amendmentChangesSchema("AcquisitionReported").safeParse({ price: { usd: 1e9 } }).success; // true
 * amendmentChangesSchema("AcquisitionReported").safeParse({ acquirer: "x" }).success; // false
 */
export const amendmentChangesSchema = <K extends OpeningEventType>(
  openingType: K,
): z.ZodType<AmendmentChanges<K>> => amendmentSchemas[openingType];

export const CORRECTABLE_EVENT_TYPES = [
  "FundingRoundReported",
  "AcquisitionReported",
  "StakeChangeReported",
  "PartnershipReported",
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "ChipLaunchReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
  "GovernanceEventReported",
  "DealStatusChanged",
  "DealAmended",
  "DealEnded",
] as const satisfies readonly EventType[];
export type CorrectableEventType = (typeof CORRECTABLE_EVENT_TYPES)[number];

export const isCorrectableEventType = (type: unknown): type is CorrectableEventType =>
  (CORRECTABLE_EVENT_TYPES as readonly unknown[]).includes(type);

export type CorrectionResult<T> = { success: true; data: T } | { success: false; issues: ValidationIssue[] };

/**
 * Applies a `DealCorrected.changes` to the data of the event it corrects: a shallow merge (a corrected
 * `amount` is replaced whole) that must still validate as that event type. Any field but `dealId`
 * may change, parties and `status`/`occurredOn` included. Issue paths are relative to the corrected
 * event's data (for a changed field, its key in `changes`). Several corrections of one event are
 * applied by calling this in log order, each on the previous result. When the target is a `DealAmended`,
 * pass the deal's `openingType` so the corrected `changes` are held to the amendment rules too.
 *
 * @example
 * applyCorrection("AcquisitionReported", acquisition, { price: { usd: 2e9 } });
 * // { success: true, data: { ...acquisition, price: { usd: 2e9 } } }
 */
export function applyCorrection<K extends CorrectableEventType>(
  targetType: K,
  targetData: EventDataByType[K],
  changes: Readonly<Record<string, unknown>>,
  openingType?: OpeningEventType,
): CorrectionResult<EventDataByType[K]>;
/** The same, for callers holding a stored event whose type is only known as a string. */
export function applyCorrection(
  targetType: string,
  targetData: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
  openingType?: string,
): CorrectionResult<Record<string, unknown>>;
export function applyCorrection(
  targetType: string,
  targetData: Readonly<Record<string, unknown>>,
  changes: Readonly<Record<string, unknown>>,
  openingType?: string,
): CorrectionResult<Record<string, unknown>> {
  if (!isCorrectableEventType(targetType)) {
    const message = `A ${targetType} cannot be corrected; only a deal's opening event, DealStatusChanged, DealAmended or DealEnded can`;
    return { success: false, issues: [{ path: "", message }] };
  }
  const issues: ValidationIssue[] = [];
  if (Object.hasOwn(changes, "dealId")) {
    issues.push({ path: "dealId", message: "dealId cannot be corrected: a different deal is a new deal" });
  }
  const { dealId: _dealId, ...rest } = changes;
  const result = eventDataSchemas[targetType].safeParse({ ...targetData, ...rest });
  if (!result.success) issues.push(...toValidationIssues(result.error.issues));
  if (result.success && targetType === "DealAmended" && isOpeningEventType(openingType)) {
    const amendment = amendmentChangesSchema(openingType).safeParse((result.data as DealAmended).changes);
    if (!amendment.success) issues.push(...toValidationIssues(amendment.error.issues, ["changes"]));
  }
  if (!result.success || issues.length > 0) return { success: false, issues };
  return { success: true, data: result.data };
}
