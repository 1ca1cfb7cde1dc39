import { describe, expect, it } from "vitest";
import { parseEventInput } from "./event-envelope.js";
import { EventMetadata } from "./metadata.js";

const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 1; level < levels; level++) value = { child: value };
  return value;
};

const metadataIssues = (metadata: unknown) => {
  const result = parseEventInput({ type: "DealEnded", data: { dealId: "d" }, metadata }, ["events", 0]);
  return result.success ? [] : result.issues;
};

describe("EventMetadata", () => {
  it("accepts a small JSON object", () => {
    const metadata = { key: "seed/company/openai", tags: ["a", 1, null, { deep: false }] };
    expect(EventMetadata.parse(metadata)).toEqual(metadata);
  });

  it.each([[[]], [null], ["text"], [5]])("rejects %j: not an object", (metadata) => {
    expect(metadataIssues(metadata)).toEqual([
      { path: "events.0.metadata", message: "metadata must be a JSON object" },
    ]);
  });

  it("accepts 8 levels and rejects 9", () => {
    expect(EventMetadata.safeParse(nested(8)).success).toBe(true);
    expect(metadataIssues(nested(9))).toEqual([
      { path: "events.0.metadata", message: "metadata is nested more than 8 levels deep" },
    ]);
  });

  it("counts arrays as levels", () => {
    expect(EventMetadata.safeParse({ a: [[[[[[[1]]]]]]] }).success).toBe(true);
    expect(EventMetadata.safeParse({ a: [[[[[[[[1]]]]]]]] }).success).toBe(false);
  });

  it("survives a hostile depth without exhausting the stack", () => {
    expect(EventMetadata.safeParse(nested(100_000)).success).toBe(false);
  });

  it("accepts 4096 bytes serialized and rejects 4097, counting UTF-8 bytes", () => {
    const overhead = JSON.stringify({ k: "" }).length;
    expect(EventMetadata.safeParse({ k: "x".repeat(4096 - overhead) }).success).toBe(true);
    expect(metadataIssues({ k: "x".repeat(4097 - overhead) })).toEqual([
      { path: "events.0.metadata", message: "metadata is 4097 bytes as JSON; at most 4096 are allowed" },
    ]);
    // "é" is one UTF-16 unit but two UTF-8 bytes.
    expect(EventMetadata.safeParse({ k: "é".repeat(2048) }).success).toBe(false);
  });

  it("rejects values JSON cannot hold", () => {
    expect(EventMetadata.safeParse({ n: Number.NaN }).success).toBe(false);
    expect(EventMetadata.safeParse({ d: new Date() }).success).toBe(false);
    expect(EventMetadata.safeParse({ u: undefined }).success).toBe(false);
  });
});
