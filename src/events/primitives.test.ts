import { describe, expect, it } from "vitest";
import { CompanyRegistered } from "./company-events.js";
import { CompanyId, Money, moneyPeriodOf, Source, Summary } from "./primitives.js";

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.map(String).join("."));

describe("CompanyId", () => {
  it.each(["openai", "spacex-anysphere", "a", "x1-2b", "a".repeat(64)])("accepts %s", (id) => {
    expect(CompanyId.safeParse(id).success).toBe(true);
  });
  it.each(["OpenAI", "-openai", "openai-", "open--ai", "open_ai", "open ai", "", "a".repeat(65), "é"])(
    "rejects %j",
    (id) => {
      expect(CompanyId.safeParse(id).success).toBe(false);
    },
  );
});

describe("Source", () => {
  it("needs a url or a title, reported on the source itself", () => {
    const result = Source.safeParse({ publisher: "Reuters" });
    expect(result.success).toBe(false);
    expect(issuePaths(result)).toEqual([""]);
    expect(result.error?.issues[0]?.message).toBe("A source needs a url or a title");
  });

  it("accepts a title alone or a url alone", () => {
    expect(Source.safeParse({ title: "A report" }).success).toBe(true);
    expect(Source.safeParse({ url: "https://example.com/a?b=c#d" }).success).toBe(true);
    expect(Source.safeParse({ url: "HTTP://EXAMPLE.COM" }).success).toBe(true);
  });

  it.each([
    "ftp://example.com/file",
    "javascript:alert(1)",
    "mailto:someone@example.com",
    "https//example.com",
    "http:example.com",
    "https://",
    " https://example.com",
    "https://exa mple.com",
    "example.com",
  ])("rejects the url %j", (url) => {
    const result = Source.safeParse({ url, title: "t" });
    expect(issuePaths(result)).toEqual(["url"]);
  });

  it("bounds urls at 2048 characters", () => {
    const base = "https://example.com/";
    expect(Source.safeParse({ url: base + "a".repeat(2048 - base.length) }).success).toBe(true);
    expect(issuePaths(Source.safeParse({ url: base + "a".repeat(2049 - base.length) }))).toEqual(["url"]);
  });

  it("bounds quotes at 1000 characters and rejects unknown keys", () => {
    expect(Source.safeParse({ title: "t", quote: "q".repeat(1000) }).success).toBe(true);
    expect(issuePaths(Source.safeParse({ title: "t", quote: "q".repeat(1001) }))).toEqual(["quote"]);
    expect(issuePaths(Source.safeParse({ title: "t", author: "x" }))).toEqual([""]);
  });

  it("checks publishedOn as a real day", () => {
    expect(issuePaths(Source.safeParse({ title: "t", publishedOn: "2025-02-30" }))).toEqual(["publishedOn"]);
    expect(issuePaths(Source.safeParse({ title: "t", publishedOn: "2025-02" }))).toEqual(["publishedOn"]);
  });
});

describe("string bounds count UTF-16 units", () => {
  const company = (name: string) => ({ companyId: "x", name, kind: "company" });

  it("accepts 200 units and rejects 201", () => {
    expect(CompanyRegistered.safeParse(company("n".repeat(200))).success).toBe(true);
    expect(issuePaths(CompanyRegistered.safeParse(company("n".repeat(201))))).toEqual(["name"]);
  });

  it("counts an astral character as two units", () => {
    expect(CompanyRegistered.safeParse(company("😀".repeat(100))).success).toBe(true);
    expect(issuePaths(CompanyRegistered.safeParse(company(`${"😀".repeat(100)}a`)))).toEqual(["name"]);
  });

  it("rejects empty strings", () => {
    expect(issuePaths(CompanyRegistered.safeParse(company("")))).toEqual(["name"]);
  });

  it("bounds summaries at 280", () => {
    expect(Summary.safeParse("s".repeat(280)).success).toBe(true);
    expect(Summary.safeParse("s".repeat(281)).success).toBe(false);
  });
});

describe("array bounds", () => {
  it("accepts 100 entries and rejects 101", () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `alias ${i}`);
    const base = { companyId: "x", name: "X", kind: "company" };
    expect(CompanyRegistered.safeParse({ ...base, aliases: aliases(100) }).success).toBe(true);
    expect(issuePaths(CompanyRegistered.safeParse({ ...base, aliases: aliases(101) }))).toEqual(["aliases"]);
  });
});

describe("Money", () => {
  it("accepts the full shape and keeps it as sent", () => {
    const money = { usd: 1.25e9, per: "month", estimated: true, original: { amount: 1e9, currency: "EUR" } };
    expect(Money.parse(money)).toEqual(money);
    expect(Money.parse({ usd: 5 })).toEqual({ usd: 5 });
    expect(Money.parse({ usd: 1e15 })).toEqual({ usd: 1e15 });
  });

  it.each([
    [{ usd: 0 }, "usd"],
    [{ usd: -1 }, "usd"],
    [{ usd: Number.POSITIVE_INFINITY }, "usd"],
    [{ usd: 1e15 + 1e3 }, "usd"],
    [{ usd: "5" }, "usd"],
    [{ usd: 1, per: "week" }, "per"],
    [{ usd: 1, original: { amount: 0, currency: "EUR" } }, "original.amount"],
    [{ usd: 1, original: { amount: 1, currency: "eur" } }, "original.currency"],
    [{ usd: 1, original: { amount: 1, currency: "EURO" } }, "original.currency"],
    [{ usd: 1, original: { amount: 1, currency: "EUR", rate: 1 } }, "original"],
  ])("rejects %j at %s", (money, path) => {
    expect(issuePaths(Money.safeParse(money))).toEqual([path]);
  });

  it("reads an absent period as total", () => {
    expect(moneyPeriodOf({})).toBe("total");
    expect(moneyPeriodOf({ per: "year" })).toBe("year");
  });
});
