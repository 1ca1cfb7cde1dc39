import { z } from "zod";
import { crossFieldRule, reportDuplicates } from "./cross-field.js";
import { openingCommonFields } from "./opening-fields.js";
import { boundedArray, CompanyId, Name } from "./primitives.js";

export const CHIP_CLASSES = ["gpu", "tpu", "asic", "cpu", "networking", "system", "other"] as const;

export const chipLaunchFields = {
  designer: CompanyId,
  chip: Name,
  chipClass: z.enum(CHIP_CLASSES).optional(),
  manufacturer: CompanyId.optional(),
  designPartner: CompanyId.optional(),
};

export const ChipLaunchReported = z.strictObject({ ...openingCommonFields, ...chipLaunchFields });
export type ChipLaunchReported = z.infer<typeof ChipLaunchReported>;

export const MODEL_ACCESS = ["open_source", "open_weights", "api", "hosted", "unreleased"] as const;

/** The model a release builds on; its developer, when another company, becomes a model dependency. */
export const BaseModel = z.strictObject({ name: Name, developer: CompanyId.optional() });
export type BaseModel = z.infer<typeof BaseModel>;

export const modelReleaseFields = {
  developer: CompanyId,
  model: Name,
  access: z.enum(MODEL_ACCESS),
  baseModel: BaseModel.optional(),
};

export const ModelReleaseReported = z.strictObject({ ...openingCommonFields, ...modelReleaseFields });
export type ModelReleaseReported = z.infer<typeof ModelReleaseReported>;

export const PRODUCT_LAYERS = ["application", "compute"] as const;

export const productLaunchFields = {
  owner: CompanyId,
  product: Name,
  layer: z.enum(PRODUCT_LAYERS),
  hostedOn: boundedArray(CompanyId).optional(),
};

export const ProductLaunchReported = z.strictObject({ ...openingCommonFields, ...productLaunchFields }).check(
  crossFieldRule((data, report) =>
    reportDuplicates(
      data.hostedOn,
      (host) => host,
      (index) => ["hostedOn", index],
      (id) => `Host ${id} is listed more than once`,
      report,
    ),
  ),
);
export type ProductLaunchReported = z.infer<typeof ProductLaunchReported>;
