import { z } from "zod";

/**
 * Year 1000..9999, then nothing, a half, a quarter, a month, or a month and a day.
 * The year floor keeps every date four digits wide, so ISO strings sort as dates.
 */
const PARTIAL_DATE_PATTERN = /^([1-9]\d{3})(?:-(?:(H[12])|(Q[1-4])|(\d{2})(?:-(\d{2}))?))?$/;
const ISO_DATE_PATTERN = /^[1-9]\d{3}-\d{2}-\d{2}$/;

const PARTIAL_DATE_FORMATS = "YYYY, YYYY-H1/H2, YYYY-Q1..Q4, YYYY-MM or YYYY-MM-DD";

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days in a 1-based month of a Gregorian year. */
export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** The last day of the period a partial date names, or null when it names no real period. */
const lastDayOf = (partial: string): { year: number; month: number; day: number } | null => {
  const match = PARTIAL_DATE_PATTERN.exec(partial);
  if (!match) return null;
  const [, yearText, half, quarter, monthText, dayText] = match;
  const year = Number(yearText);
  if (half) {
    const month = half === "H1" ? 6 : 12;
    return { year, month, day: daysInMonth(year, month) };
  }
  if (quarter) {
    const month = Number(quarter.slice(1)) * 3;
    return { year, month, day: daysInMonth(year, month) };
  }
  if (monthText === undefined) return { year, month: 12, day: 31 };
  const month = Number(monthText);
  if (month < 1 || month > 12) return null;
  if (dayText === undefined) return { year, month, day: daysInMonth(year, month) };
  const day = Number(dayText);
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
};

/** True when `value` is a partial date naming a real period (`2025-02-30` and `2025-Q5` are not). */
export const isPartialDate = (value: string): boolean => lastDayOf(value) !== null;

/**
 * The ISO date (YYYY-MM-DD) of the last day of a partial date's period: we never assert a fact
 * before it certainly happened.
 *
 * @example
 * effectiveDate("2025-H2"); // "2025-12-31"
 * effectiveDate("2024-02"); // "2024-02-29"
 * effectiveDate("2019"); // "2019-12-31"
 * @throws RangeError when `partial` is not a valid partial date (validate first: this is a programming error).
 */
export const effectiveDate = (partial: string): string => {
  const last = lastDayOf(partial);
  if (!last) throw new RangeError(`Not a partial date: ${JSON.stringify(partial)}`);
  return `${last.year}-${pad2(last.month)}-${pad2(last.day)}`;
};

/** `YYYY`, `YYYY-H1`/`H2`, `YYYY-Q1`..`Q4`, `YYYY-MM` or `YYYY-MM-DD`, each a real period. */
export const PartialDate = z
  .string()
  .refine(isPartialDate, { error: `Expected a real partial date: ${PARTIAL_DATE_FORMATS}` });
export type PartialDate = z.infer<typeof PartialDate>;

/** A real calendar day, `YYYY-MM-DD`. */
export const IsoDate = z.string().refine((value) => ISO_DATE_PATTERN.test(value) && isPartialDate(value), {
  error: "Expected a real date as YYYY-MM-DD",
});
export type IsoDate = z.infer<typeof IsoDate>;
