import { boundedArray, Confidence, DealId, PartialDate, Source, Status, Summary } from "./primitives.js";

/**
 * Fields every `*Reported` event carries. They change only through `DealStatusChanged` or
 * `DealCorrected`, never through an amendment.
 */
export const openingCommonFields = {
  dealId: DealId,
  status: Status,
  occurredOn: PartialDate.optional(),
  sources: boundedArray(Source, 1),
  confidence: Confidence.optional(),
  summary: Summary.optional(),
};

export const OPENING_COMMON_FIELDS = Object.keys(openingCommonFields) as (keyof typeof openingCommonFields)[];
