import { z } from "zod";
import { IsoDate } from "./partial-date.js";

export { daysInMonth, effectiveDate, IsoDate, isPartialDate, PartialDate } from "./partial-date.js";

/** Bounds from the spec's validation rules; string lengths count UTF-16 units (`string.length`). */
export const MAX_NAME_LENGTH = 200;
export const MAX_SUMMARY_LENGTH = 280;
export const MAX_TEXT_LENGTH = 1000;
export const MAX_URL_LENGTH = 2048;
export const MAX_ARRAY_LENGTH = 100;
export const MAX_ID_LENGTH = 64;

const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const slug = (what: string) =>
  z
    .string()
    .max(MAX_ID_LENGTH)
    .regex(SLUG_PATTERN, { error: `Expected a ${what}: a kebab-case slug of a-z, 0-9 and single dashes` });

export const CompanyId = slug("company id");
export type CompanyId = z.infer<typeof CompanyId>;

export const DealId = slug("deal id");
export type DealId = z.infer<typeof DealId>;

/**
 * A string of at most `max` UTF-16 units. The spec counts units (`string.length`); zod's own `.max()`
 * counts code points, which would let 200 emoji (400 units) through, so the bound is checked here.
 * The `maxLength` meta keeps the bound visible in generated JSON Schema.
 */
const utf16String = (max: number) =>
  z
    .string()
    .refine((value) => value.length <= max, {
      error: `Too long: expected at most ${max} characters (UTF-16 units)`,
    })
    .meta({ maxLength: max });

/** A non-empty string of at most `max` UTF-16 units. */
export const boundedText = (max: number) => utf16String(max).check(z.minLength(1));

/** Names, titles, aliases, chip/model/product names, publishers, sites. */
export const Name = boundedText(MAX_NAME_LENGTH);
export const Summary = boundedText(MAX_SUMMARY_LENGTH);
/** Quotes, descriptions, reasons and supply items. */
export const LongText = boundedText(MAX_TEXT_LENGTH);

/** An array of at most 100 entries; `min` for the lists the spec wants non-empty. */
export const boundedArray = <T extends z.ZodType>(item: T, min = 0) =>
  z.array(item).min(min).max(MAX_ARRAY_LENGTH);

/** The stack layers, in stack order: ownership, inheritance and scoring walk them in this order. */
export const LAYERS = ["hardware", "compute", "model", "application"] as const;
export const Layer = z.enum(LAYERS);
export type Layer = z.infer<typeof Layer>;

/** Capital and energy form dependency edges but are never owned or scored, so they are not Layers. */
export const DEPENDENCY_LAYERS = [...LAYERS, "capital", "energy"] as const;
export const DependencyLayer = z.enum(DEPENDENCY_LAYERS);
export type DependencyLayer = z.infer<typeof DependencyLayer>;

/** ISO 3166 alpha-2, checked by shape only: the list of countries changes, the shape does not. */
export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: "Expected an ISO 3166 alpha-2 country code" });
export type CountryCode = z.infer<typeof CountryCode>;

/** ISO 4217, checked by shape only. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, { error: "Expected an ISO 4217 currency code" });
export type CurrencyCode = z.infer<typeof CurrencyCode>;

export const MONEY_PERIODS = ["total", "month", "year"] as const;

/** The largest amount of one deal we accept: more than the world's GDP, so anything above is a typo. */
export const MAX_USD = 1e15;

/** `per` is absent for totals; the default is applied when reading, the data stays as sent. */
export const Money = z.strictObject({
  usd: z.number().positive().max(MAX_USD),
  per: z.enum(MONEY_PERIODS).optional(),
  estimated: z.boolean().optional(),
  original: z.strictObject({ amount: z.number().positive(), currency: CurrencyCode }).optional(),
});
export type Money = z.infer<typeof Money>;

/** A plain (non-array, non-null) object: what cross-field checks may safely look into. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * http(s) only, and no whitespace anywhere: the value is stored as sent, so we reject what
 * `new URL` would silently rewrite instead of normalising it.
 */
const isHttpUrl = (value: string): boolean => {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
};

export const HttpUrl = utf16String(MAX_URL_LENGTH).refine(isHttpUrl, { error: "Expected an http(s) URL" });

export const Source = z
  .strictObject({
    url: HttpUrl.optional(),
    publisher: Name.optional(),
    title: Name.optional(),
    publishedOn: IsoDate.optional(),
    quote: LongText.optional(),
  })
  .refine((source) => source.url !== undefined || source.title !== undefined, {
    error: "A source needs a url or a title",
    // Runs even when another field failed, so a bad quote does not hide a missing url and title.
    when: (payload) => isRecord(payload.value),
  });
export type Source = z.infer<typeof Source>;

export const STATUSES = ["rumored", "reported", "announced", "completed", "cancelled", "blocked"] as const;
export const Status = z.enum(STATUSES);
export type Status = z.infer<typeof Status>;

export const CAPACITY_UNITS = ["GW", "MW", "GPUs"] as const;
export const Capacity = z.strictObject({ value: z.number().positive(), unit: z.enum(CAPACITY_UNITS) });
export type Capacity = z.infer<typeof Capacity>;

export const TermMonths = z.int().positive();
export const Confidence = z.number().min(0).max(1);

/** The period of an amount, with the spec's default of `total` for an absent `per`. */
export const moneyPeriodOf = (money: Pick<Money, "per">): (typeof MONEY_PERIODS)[number] =>
  money.per ?? "total";
