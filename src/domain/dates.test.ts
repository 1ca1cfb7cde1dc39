import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMonthsClamped,
  daysFromCivil,
  dayToIso,
  effectiveDate,
  effectiveDay,
  isoToDay,
  utcDayOf,
} from "./dates.js";

describe("partial dates", () => {
  it.each([
    ["2025", "2025-12-31"],
    ["2025-H1", "2025-06-30"],
    ["2025-H2", "2025-12-31"],
    ["2025-Q1", "2025-03-31"],
    ["2025-Q2", "2025-06-30"],
    ["2025-Q3", "2025-09-30"],
    ["2025-Q4", "2025-12-31"],
    ["2024-02", "2024-02-29"],
    ["2023-02", "2023-02-28"],
    ["2025-11", "2025-11-30"],
    ["2025-10-13", "2025-10-13"],
    ["2000-02-29", "2000-02-29"],
  ])("%s takes effect on %s", (partial, iso) => {
    expect(effectiveDate(partial)).toBe(iso);
  });

  it.each([
    "2025-13",
    "2025-00",
    "2025-02-30",
    "1900-02-29",
    "2025-Q5",
    "2025-H3",
    "25",
    "2025-1",
    "2025-01-1",
    "",
  ])("rejects %j", (bad) => {
    expect(() => effectiveDay(bad)).toThrow(RangeError);
  });
});

describe("day numbers", () => {
  it("anchors on the Unix epoch", () => {
    expect(isoToDay("1970-01-01")).toBe(0);
    expect(dayToIso(-1)).toBe("1969-12-31");
    expect(isoToDay("2026-11-21")).toBe(Date.UTC(2026, 10, 21) / 86_400_000);
  });

  it("round-trips every day and agrees with Date.UTC", () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1, 1, 1), max: daysFromCivil(9999, 12, 31) }), (day) => {
        const iso = dayToIso(day);
        expect(isoToDay(iso)).toBe(day);
        const { 0: y, 1: m, 2: d } = iso.split("-").map(Number) as [number, number, number];
        expect(daysFromCivil(y, m, d)).toBe(day);
        expect(new Date(day * 86_400_000).toISOString().slice(0, 10)).toBe(iso);
      }),
    );
  });
});

describe("adding calendar months", () => {
  const add = (iso: string, months: number): string => dayToIso(addMonthsClamped(isoToDay(iso), months));
  it("clamps the day to the end of the month", () => {
    expect(add("2024-01-31", 1)).toBe("2024-02-29");
    expect(add("2025-01-31", 1)).toBe("2025-02-28");
    expect(add("2025-03-31", 1)).toBe("2025-04-30");
    expect(add("2025-08-31", 6)).toBe("2026-02-28");
  });
  it("crosses years and goes backwards", () => {
    expect(add("2025-11-12", 12)).toBe("2026-11-12");
    expect(add("2025-11-12", 26)).toBe("2028-01-12");
    expect(add("2025-01-15", -1)).toBe("2024-12-15");
    expect(add("2025-03-31", -1)).toBe("2025-02-28");
  });
});

describe("the UTC day of a timestamp", () => {
  it.each([
    ["2026-11-21T00:00:00Z", "2026-11-21"],
    ["2026-11-21T23:59:59.999Z", "2026-11-21"],
    ["2026-11-21T10:00:00+00:00", "2026-11-21"],
    ["2026-11-21T23:30:00-02:00", "2026-11-22"],
    ["2026-11-21T01:30:00+02:00", "2026-11-20"],
  ])("%s is on %s", (stamp, iso) => {
    expect(dayToIso(utcDayOf(stamp))).toBe(iso);
  });
});
