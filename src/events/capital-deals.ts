import { z } from "zod";
import { crossFieldRule, reportDuplicates, reportSameParty } from "./cross-field.js";
import { openingCommonFields } from "./opening-fields.js";
import { boundedArray, CompanyId, isRecord, Money } from "./primitives.js";

export const FUNDING_ROUNDS = [
  "pre_seed",
  "seed",
  "series_a",
  "series_b",
  "series_c",
  "series_d",
  "series_e",
  "series_f",
  "series_g",
  "series_h",
  "series_i",
  "series_j",
  "growth",
  "corporate",
  "debt",
  "grant",
  "other",
] as const;

export const Investor = z.strictObject({
  companyId: CompanyId,
  amount: Money.optional(),
  lead: z.boolean().optional(),
});
export type Investor = z.infer<typeof Investor>;

export const fundingRoundFields = {
  investee: CompanyId,
  round: z.enum(FUNDING_ROUNDS),
  amount: Money.optional(),
  postMoneyValuation: Money.optional(),
  investors: boundedArray(Investor, 1),
};

export const FundingRoundReported = z.strictObject({ ...openingCommonFields, ...fundingRoundFields }).check(
  crossFieldRule((data, report) =>
    reportDuplicates(
      data.investors,
      (investor) => (isRecord(investor) ? investor.companyId : undefined),
      (index) => ["investors", index, "companyId"],
      (id) => `Investor ${id} is listed more than once`,
      report,
    ),
  ),
);
export type FundingRoundReported = z.infer<typeof FundingRoundReported>;

export const ACQUISITION_TERMS = ["cash", "stock", "cash_and_stock", "other"] as const;
export const ACQUISITION_KINDS = ["acquisition", "merger", "acquihire", "asset"] as const;

export const acquisitionFields = {
  acquirer: CompanyId,
  target: CompanyId,
  // Optional on the wire (absent means 100): read it through `percentAcquiredOf`, never `.default()`, so the log keeps what was sent.
  percentAcquired: z.number().gt(0).lte(100).optional(),
  price: Money.optional(),
  terms: z.enum(ACQUISITION_TERMS).optional(),
  kind: z.enum(ACQUISITION_KINDS).optional(),
};

export const AcquisitionReported = z
  .strictObject({ ...openingCommonFields, ...acquisitionFields })
  .check(crossFieldRule((data, report) => reportSameParty(data, "acquirer", "target", report)));
export type AcquisitionReported = z.infer<typeof AcquisitionReported>;

export const DEFAULT_PERCENT_ACQUIRED = 100;

/** The stake an acquisition gives, with the spec's default of 100 for an absent percentage. */
export const percentAcquiredOf = (acquisition: Pick<AcquisitionReported, "percentAcquired">): number =>
  acquisition.percentAcquired ?? DEFAULT_PERCENT_ACQUIRED;

export const stakeChangeFields = {
  holder: CompanyId,
  entity: CompanyId,
  percentAfter: z.number().min(0).max(100).optional(),
  control: z.boolean().optional(),
  consideration: Money.optional(),
};

export const StakeChangeReported = z
  .strictObject({ ...openingCommonFields, ...stakeChangeFields })
  .check(crossFieldRule((data, report) => reportSameParty(data, "holder", "entity", report)));
export type StakeChangeReported = z.infer<typeof StakeChangeReported>;
