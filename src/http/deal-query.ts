import { z } from "zod";
import { DEAL_SORTS, type DealFilters, type DealSort, periodStartDay } from "../domain/deal-list.js";
import { DEAL_LAYERS, DealRecordStatus } from "../domain/deal-schema.js";
import { effectiveDay } from "../domain/index.js";
import { ValidationError } from "../event-log/errors.js";
import { IsoDate, OPENING_EVENT_TYPES, PartialDate } from "../events/index.js";

const COMPANY_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A comma list of allowed values (a list within one filter is an OR). */
const commaList = (check: (value: string) => boolean, message: string) =>
  z
    .string()
    .transform((text) => text.split(",").map((value) => value.trim()))
    .refine((values) => values.length > 0 && values.every(check), message);
const oneOf = (allowed: readonly string[]) =>
  commaList((value) => allowed.includes(value), `each value must be one of ${allowed.join(", ")}`);

export const DealListQuery = z.strictObject({
  asOf: IsoDate.optional(),
  knownAt: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: z.string().optional(),
  waitFor: z.string().optional(),
  timeout: z.coerce.number().int().min(0).max(10_000).default(5000),
  company: commaList((value) => COMPANY_ID.test(value), "each value must be a company id").optional(),
  type: oneOf(OPENING_EVENT_TYPES).optional(),
  status: oneOf(DealRecordStatus.options).optional(),
  layer: oneOf(DEAL_LAYERS).optional(),
  from: PartialDate.optional(),
  to: PartialDate.optional(),
  q: z.string().min(1).max(200).optional(),
  minValueUsd: z.coerce.number().min(0).optional(),
  sort: z.enum(DEAL_SORTS).default("-openedOn"),
  format: z.enum(["json", "csv"]).optional(),
});
export type DealListQuery = z.infer<typeof DealListQuery>;

export const DealQuery = z.strictObject({
  asOf: IsoDate.optional(),
  knownAt: z.string().optional(),
  waitFor: z.string().optional(),
  timeout: z.coerce.number().int().min(0).max(10_000).default(5000),
});

/** The list's filters as the domain reads them. */
export function dealFilters(query: DealListQuery): DealFilters {
  return {
    ...(query.company ? { company: query.company } : {}),
    ...(query.type ? { type: query.type } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.layer ? { layer: query.layer } : {}),
    ...(query.from ? { fromDay: periodStartDay(query.from) } : {}),
    ...(query.to ? { toDay: effectiveDay(query.to) } : {}),
    ...(query.q ? { q: query.q.toLowerCase() } : {}),
    ...(query.minValueUsd !== undefined ? { minValueUsd: query.minValueUsd } : {}),
  };
}

const PAGE_PREFIX = "d1.";

/** The page token: the sort and the last row's sort key (a token of another sort is a 400). */
export const encodeDealPage = (sort: DealSort, sortKey: string) =>
  Buffer.from(`${PAGE_PREFIX}${sort}.${sortKey}`).toString("base64url");

export function decodeDealPage(token: string | undefined, sort: DealSort): string | undefined {
  if (token === undefined) return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  const prefix = `${PAGE_PREFIX}${sort}.`;
  if (!text.startsWith(prefix) || text.length > 512) {
    throw new ValidationError([{ path: "after", message: "not a page token of this list and sort" }]);
  }
  return text.slice(prefix.length);
}
