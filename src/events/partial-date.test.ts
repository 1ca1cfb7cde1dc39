import { describe, expect, it } from "vitest";
import { effectiveDate, IsoDate, isPartialDate, PartialDate } from "./partial-date.js";

describe("effectiveDate", () => {
  it.each([
    ["2019", "2019-12-31"],
    ["2025-H1", "2025-06-30"],
    ["2025-H2", "2025-12-31"],
    ["2025-Q1", "2025-03-31"],
    ["2025-Q2", "2025-06-30"],
    ["2025-Q3", "2025-09-30"],
    ["2025-Q4", "2025-12-31"],
    ["2024-02", "2024-02-29"],
    ["2025-02", "2025-02-28"],
    ["1900-02", "1900-02-28"],
    ["2000-02", "2000-02-29"],
    ["2025-04", "2025-04-30"],
    ["2025-12", "2025-12-31"],
    ["2024-02-29", "2024-02-29"],
    ["2025-10-13", "2025-10-13"],
    ["1000", "1000-12-31"],
    ["9999-Q4", "9999-12-31"],
  ])("%s ends on %s", (partial, expected) => {
    expect(effectiveDate(partial)).toBe(expected);
  });

  it("throws on what is not a partial date", () => {
    expect(() => effectiveDate("2025-02-30")).toThrow(RangeError);
  });
});

describe("PartialDate", () => {
  it.each(["2025", "2025-H1", "2025-Q4", "2025-01", "2024-02-29", "1000", "9999-12-31"])(
    "accepts %s",
    (value) => {
      expect(PartialDate.safeParse(value).success).toBe(true);
    },
  );

  it.each([
    "2025-02-30",
    "2023-02-29",
    "1900-02-29",
    "2025-Q5",
    "2025-Q0",
    "2025-H3",
    "2025-13",
    "2025-00",
    "2025-01-00",
    "2025-04-31",
    "0999",
    "10000",
    "25",
    "2025-1",
    "2025-01-1",
    "2025/01",
    " 2025",
    "",
  ])("rejects %j", (value) => {
    expect(isPartialDate(value)).toBe(false);
    expect(PartialDate.safeParse(value).success).toBe(false);
  });

  it("rejects non-strings", () => {
    expect(PartialDate.safeParse(2025).success).toBe(false);
  });
});

describe("IsoDate", () => {
  it("accepts a real day only", () => {
    expect(IsoDate.safeParse("2024-02-29").success).toBe(true);
    expect(IsoDate.safeParse("2025-02-29").success).toBe(false);
    expect(IsoDate.safeParse("2025-02").success).toBe(false);
    expect(IsoDate.safeParse("2025").success).toBe(false);
  });
});
