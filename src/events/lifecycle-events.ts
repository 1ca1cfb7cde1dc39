import { z } from "zod";
import {
  boundedArray,
  DealId,
  LongText,
  MAX_ARRAY_LENGTH,
  PartialDate,
  Source,
  Status,
} from "./primitives.js";

/** Lifecycle events name no parties: they act on the deal their `dealId` opened. */
export const lifecycleCommonFields = {
  dealId: DealId,
  occurredOn: PartialDate.optional(),
  sources: boundedArray(Source).optional(),
  reason: LongText.optional(),
};

/**
 * A shallow patch. Its keys can only be checked against the deal's opening type, which the
 * event does not carry: see `amendmentChangesSchema` and `applyCorrection` for that second step.
 */
export const Changes = z
  .record(z.string(), z.unknown())
  .refine((changes) => Object.keys(changes).length > 0, { error: "changes must name at least one field" })
  .refine((changes) => Object.keys(changes).length <= MAX_ARRAY_LENGTH, {
    error: `changes may name at most ${MAX_ARRAY_LENGTH} fields`,
  });
export type Changes = z.infer<typeof Changes>;

/** The world moved the deal; no transition is rejected, the log records what sources said. */
export const DealStatusChanged = z.strictObject({ ...lifecycleCommonFields, status: Status });
export type DealStatusChanged = z.infer<typeof DealStatusChanged>;

/** Terms changed in the world from `occurredOn` on. */
export const DealAmended = z.strictObject({ ...lifecycleCommonFields, changes: Changes });
export type DealAmended = z.infer<typeof DealAmended>;

/** A relationship, term or product ended, for good. */
export const DealEnded = z.strictObject({ ...lifecycleCommonFields });
export type DealEnded = z.infer<typeof DealEnded>;

/** Our record was wrong: rewrites the corrected event as if it had always been so, known from now on. */
export const DealCorrected = z.strictObject({
  ...lifecycleCommonFields,
  correctsEventId: z.uuid(),
  changes: Changes,
});
export type DealCorrected = z.infer<typeof DealCorrected>;

/** The report was false: the deal counts for nothing, known from now on. */
export const DealRetracted = z.strictObject({ ...lifecycleCommonFields });
export type DealRetracted = z.infer<typeof DealRetracted>;
