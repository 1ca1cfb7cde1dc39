import { z } from "zod";
import { crossFieldRule, reportDuplicates, reportSameParty } from "./cross-field.js";
import { openingCommonFields } from "./opening-fields.js";
import {
  boundedArray,
  Capacity,
  CompanyId,
  DependencyLayer,
  isRecord,
  Layer,
  LongText,
  Money,
  Name,
  TermMonths,
} from "./primitives.js";

/** Which partner depends on which, and for what; both ends must be partners. */
export const PartnershipDependency = z.strictObject({
  customer: CompanyId,
  supplier: CompanyId,
  layer: DependencyLayer,
});
export type PartnershipDependency = z.infer<typeof PartnershipDependency>;

export const partnershipFields = {
  partners: boundedArray(CompanyId, 2),
  dependency: PartnershipDependency.optional(),
  amount: Money.optional(),
  termMonths: TermMonths.optional(),
  description: LongText.optional(),
};

export const PartnershipReported = z.strictObject({ ...openingCommonFields, ...partnershipFields }).check(
  crossFieldRule((data, report) => {
    reportDuplicates(
      data.partners,
      (partner) => partner,
      (index) => ["partners", index],
      (id) => `Partner ${id} is listed more than once`,
      report,
    );
    const { partners, dependency } = data;
    if (!isRecord(dependency) || !Array.isArray(partners)) return;
    for (const end of ["customer", "supplier"] as const) {
      const id = dependency[end];
      if (typeof id === "string" && !partners.includes(id)) {
        report(["dependency", end], `dependency.${end} ${id} is not one of the partners`);
      }
    }
    reportSameParty(dependency, "customer", "supplier", (path, message) =>
      report(["dependency", ...path], `dependency.${message}`),
    );
  }),
);
export type PartnershipReported = z.infer<typeof PartnershipReported>;

export const computeDealFields = {
  customer: CompanyId,
  provider: CompanyId,
  amount: Money.optional(),
  capacity: Capacity.optional(),
  termMonths: TermMonths.optional(),
  acceleratorDesigner: CompanyId.optional(),
  sites: boundedArray(Name).optional(),
};

export const ComputeDealReported = z.strictObject({ ...openingCommonFields, ...computeDealFields });
export type ComputeDealReported = z.infer<typeof ComputeDealReported>;

export const SUPPLY_LAYERS = ["hardware", "energy"] as const;

export const supplyDealFields = {
  customer: CompanyId,
  supplier: CompanyId,
  layer: z.enum(SUPPLY_LAYERS),
  amount: Money.optional(),
  capacity: Capacity.optional(),
  termMonths: TermMonths.optional(),
  items: boundedArray(LongText).optional(),
};

export const SupplyDealReported = z.strictObject({ ...openingCommonFields, ...supplyDealFields });
export type SupplyDealReported = z.infer<typeof SupplyDealReported>;

export const licenseDealFields = {
  licensee: CompanyId,
  licensor: CompanyId,
  // Optional on the wire (absent means model): read it through `licenseLayerOf`.
  layer: Layer.optional(),
  amount: Money.optional(),
  exclusive: z.boolean().optional(),
  talentHired: z.boolean().optional(),
};

export const LicenseDealReported = z.strictObject({ ...openingCommonFields, ...licenseDealFields });
export type LicenseDealReported = z.infer<typeof LicenseDealReported>;

export const DEFAULT_LICENSE_LAYER = "model" satisfies Layer;

/** The layer a license is for, with the spec's default of `model` for an absent layer. */
export const licenseLayerOf = (license: Pick<LicenseDealReported, "layer">): Layer =>
  license.layer ?? DEFAULT_LICENSE_LAYER;
