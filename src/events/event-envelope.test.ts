import { describe, expect, it } from "vitest";
import { parseEventInput } from "./event-envelope.js";

const ended = { type: "DealEnded", data: { dealId: "d-1" } };

describe("parseEventInput", () => {
  it("returns the event as sent", () => {
    const input = {
      id: "0b6d5f4e-3a2c-4b1d-9e8f-7a6b5c4d3e2f",
      ...ended,
      metadata: { requestedBy: "test" },
      expectedVersion: "stream_exists",
    };
    expect(parseEventInput(input)).toEqual({ success: true, event: input });
  });

  it.each(["any", "no_stream", "stream_exists", 0, 7])("accepts expectedVersion %j", (expectedVersion) => {
    expect(parseEventInput({ ...ended, expectedVersion }).success).toBe(true);
  });

  it.each(["latest", -1, 1.5, null])("rejects expectedVersion %j", (expectedVersion) => {
    const result = parseEventInput({ ...ended, expectedVersion });
    expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual(["expectedVersion"]);
  });

  it("prefixes every path and reports envelope and data problems together", () => {
    const input = {
      id: "not-a-uuid",
      type: "ComputeDealReported",
      data: {
        dealId: "d",
        status: "announced",
        sources: [{ url: "ftp://x.example" }, { title: "T", foo: 1 }],
        customer: "a",
        provider: 5,
      },
      extra: true,
    };
    const result = parseEventInput(input, ["events", 3]);
    expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual([
      "events.3.id",
      "events.3.extra",
      "events.3.data.sources.0.url",
      "events.3.data.sources.1.foo",
      "events.3.data.provider",
    ]);
  });

  it("gives one issue for an unknown type, listing the allowed ones", () => {
    const result = parseEventInput({ type: "DealClosed", data: { dealId: "d" } }, ["events", 0]);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toBe("events.0.type");
    expect(result.issues[0]?.message).toMatch(
      /^Unknown event type "DealClosed"; expected one of CompanyRegistered, /,
    );
    expect(result.issues[0]?.message).toContain("DealRetracted");
  });

  it("names a missing type and missing or non-object data", () => {
    const missing = parseEventInput({ data: {} });
    expect(
      missing.success ? [] : missing.issues.map((issue) => [issue.path, issue.message.split(";")[0]]),
    ).toEqual([["type", "Missing event type"]]);
    const noData = parseEventInput({ type: "DealEnded" });
    expect(noData.success ? [] : noData.issues).toEqual([
      { path: "data", message: "data must be an object" },
    ]);
    const arrayData = parseEventInput({ type: "DealEnded", data: [] });
    expect(arrayData.success ? [] : arrayData.issues.map((issue) => issue.path)).toEqual(["data"]);
  });

  it("rejects what is not an object at the given path", () => {
    for (const input of [null, [], "event", 3]) {
      const result = parseEventInput(input, ["events", 2]);
      expect(result.success ? [] : result.issues.map((issue) => issue.path)).toEqual(["events.2"]);
    }
  });

  it("reports a missing required field with a readable message", () => {
    const result = parseEventInput({ type: "DealStatusChanged", data: { dealId: "d" } });
    expect(result.success ? [] : result.issues).toEqual([
      { path: "data.status", message: expect.stringMatching(/expected one of/) },
    ]);
  });
});
