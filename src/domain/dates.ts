/**
 * Calendar dates as integer day numbers (days since 1970-01-01, proleptic Gregorian, UTC).
 *
 * Day numbers make comparisons and differences cheap in the fold and the views; ISO strings appear only at
 * the edges. The civil conversions are Howard Hinnant's `days_from_civil` / `civil_from_days` (pure
 * arithmetic, no `Date`, no clock).
 */

/** Days since 1970-01-01 for a civil date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 31);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** `YYYY-MM-DD` of a day number. */
export function dayToIso(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` string; throws a RangeError when it is not a real date. */
export function isoToDay(iso: string): number {
  const m = ISO_DAY.exec(iso);
  if (m === null) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(iso)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new RangeError(`not a real date: ${iso}`);
  }
  return daysFromCivil(year, month, day);
}

const PARTIAL_DATE = /^(\d{4})(?:-(H[12]|Q[1-4]|\d{2})(?:-(\d{2}))?)?$/;

/**
 * The effective day of a partial date: the last day of its period (`2025-H2` → 2025-12-31), because a fact
 * is never asserted before it certainly happened. Throws a RangeError for anything else.
 *
 * @example effectiveDay("2024-Q1") === isoToDay("2024-03-31")
 */
export function effectiveDay(partial: string): number {
  const m = PARTIAL_DATE.exec(partial);
  if (m === null) throw new RangeError(`not a partial date: ${JSON.stringify(partial)}`);
  const year = Number(m[1]);
  const period = m[2];
  const dayPart = m[3];
  if (period === undefined) return daysFromCivil(year, 12, 31);
  if (dayPart !== undefined) return isoToDay(partial);
  let month: number;
  if (period === "H1") month = 6;
  else if (period === "H2") month = 12;
  else if (period.startsWith("Q")) month = Number(period.slice(1)) * 3;
  else {
    month = Number(period);
    if (month < 1 || month > 12) throw new RangeError(`not a real date: ${partial}`);
  }
  return daysFromCivil(year, month, daysInMonth(year, month));
}

/** `YYYY-MM-DD` effective date of a partial date. */
export function effectiveDate(partial: string): string {
  return dayToIso(effectiveDay(partial));
}

const UTC_STAMP = /^(\d{4}-\d{2}-\d{2})T[^+-]*(?:Z|[+-]00:?00)$/i;

/** The UTC day of an ISO timestamp (`recordedAt`). */
export function utcDayOf(timestamp: string): number {
  const m = UTC_STAMP.exec(timestamp);
  if (m !== null) return isoToDay(m[1] as string);
  if (ISO_DAY.test(timestamp)) return isoToDay(timestamp);
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO timestamp: ${JSON.stringify(timestamp)}`);
  return Math.floor(ms / 86_400_000);
}

/**
 * Adds calendar months, clamping the day to the end of the target month (2024-01-31 + 1 → 2024-02-29).
 */
export function addMonthsClamped(days: number, months: number): number {
  const { year, month, day } = civilFromDays(days);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const mo = index - y * 12 + 1;
  return daysFromCivil(y, mo, Math.min(day, daysInMonth(y, mo)));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: number, to: number): number {
  return to - from;
}
