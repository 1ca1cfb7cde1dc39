import { describe, expect, it } from "vitest";
import { logBuilder } from "../../src/domain/test-support/log-builder.js";
import { diffRows, toRowSet } from "../../src/projector/read-model-table.js";
import { dealRecords } from "./definition.js";

function fold(events: readonly { eventId: string }[]) {
  let state = dealRecords.init();
  for (const event of events) state = dealRecords.apply(state, event as never);
  return state;
}

/** The change records between two row sets, as the projector computes them. */
function changes(before: ReturnType<typeof toRowSet>, after: ReturnType<typeof toRowSet>) {
  const diff = diffRows(before, after);
  const old = new Map(
    diff.upserts.flatMap(([key]) => (before.has(key) ? [[key, JSON.parse(before.get(key)!.json)]] : [])),
  );
  const now = new Map(diff.upserts.map(([key, row]) => [key, JSON.parse(row.json)]));
  for (const key of diff.deletes) old.set(key, JSON.parse(before.get(key)!.json));
  return dealRecords.describe(old, now);
}

describe("the deal-records projection", () => {
  it("has one row per deal listed at the date, newest first, with its filter and sort columns", () => {
    const log = logBuilder();
    for (const id of ["a", "b"]) log.company(id);
    log.deal("ComputeDealReported", "old", "announced", "2024", {
      customer: "a",
      provider: "b",
      amount: { usd: 5 },
    });
    log.deal("ComputeDealReported", "new", "announced", "2025", { customer: "b", provider: "a" });
    log.deal("ComputeDealReported", "later", "announced", "2030", { customer: "a", provider: "b" });
    const rows = dealRecords.rows(fold(log.events), "2026-01-01");
    expect(rows.map((row) => row.key)).toEqual(["new", "old"]);
    expect(rows[1]!.columns).toMatchObject({
      status: "announced",
      type: "ComputeDealReported",
      layer: "compute",
      value_usd: 5,
      parties: ["a", "b"],
    });
    expect(JSON.parse(rows[1]!.json!)).toMatchObject({ dealId: "old", valueUsd: 5 });
  });

  it("records deal news when the status at the date changes: by an event, and when a date passes", () => {
    const log = logBuilder();
    for (const id of ["a", "b"]) log.company(id);
    log.deal("AcquisitionReported", "x", "announced", "2025", { acquirer: "a", target: "b" });
    const first = toRowSet(dealRecords.rows(fold(log.events), "2026-01-01"));
    log.status("x", "completed", "2026-01-02");
    log.amend("x", { terms: "cash" }, "2025");
    const state = fold(log.events);
    const sameDay = toRowSet(dealRecords.rows(state, "2026-01-01"));
    // The amendment changes the row but not the status: no news.
    expect(changes(first, sameDay)).toEqual([]);
    const nextDay = toRowSet(dealRecords.rows(state, "2026-01-02"));
    expect(changes(sameDay, nextDay)).toEqual([
      {
        kind: "deal_status_changed",
        dealId: "x",
        companyId: "a",
        before: "announced",
        after: "completed",
        description: "x (A, B): announced → completed",
      },
    ]);
    log.retract("x");
    const retracted = toRowSet(dealRecords.rows(fold(log.events), "2026-01-02"));
    expect(changes(nextDay, retracted)).toMatchObject([{ before: "completed", after: "retracted" }]);
    expect(changes(new Map(), first)).toMatchObject([{ dealId: "x", before: null, after: "announced" }]);
  });
});
