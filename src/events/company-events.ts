import { z } from "zod";
import { boundedArray, CompanyId, CountryCode, Layer, Name, PartialDate, Source } from "./primitives.js";

export const COMPANY_KINDS = ["company", "investor", "joint_venture", "government", "person"] as const;

/** A layer the company holds on its own account at registration, from `since` (or the registration day). */
export const RegisteredLayer = z.strictObject({ layer: Layer, since: PartialDate.optional() });
export type RegisteredLayer = z.infer<typeof RegisteredLayer>;

export const CompanyRegistered = z.strictObject({
  companyId: CompanyId,
  name: Name,
  kind: z.enum(COMPANY_KINDS),
  country: CountryCode.optional(),
  foundedOn: PartialDate.optional(),
  aliases: boundedArray(Name).optional(),
  layers: boundedArray(RegisteredLayer).optional(),
  sources: boundedArray(Source).optional(),
});
export type CompanyRegistered = z.infer<typeof CompanyRegistered>;

/** Names only: a company's layers change through deals, never through an update. */
export const CompanyUpdated = z.strictObject({
  companyId: CompanyId,
  name: Name.optional(),
  aliases: boundedArray(Name).optional(),
  country: CountryCode.optional(),
});
export type CompanyUpdated = z.infer<typeof CompanyUpdated>;
