import { z } from "zod";
import { openingCommonFields } from "./opening-fields.js";
import { boundedArray, CompanyId, Name } from "./primitives.js";

export const GOVERNANCE_KINDS = ["litigation", "regulatory", "leadership", "restructuring", "other"] as const;

/** Shown in timelines only; it is a deal stream so it can be amended, corrected and retracted like any other. */
export const governanceEventFields = {
  subjects: boundedArray(CompanyId, 1),
  kind: z.enum(GOVERNANCE_KINDS),
  title: Name,
};

export const GovernanceEventReported = z.strictObject({ ...openingCommonFields, ...governanceEventFields });
export type GovernanceEventReported = z.infer<typeof GovernanceEventReported>;
