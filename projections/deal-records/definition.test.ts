import { describe, expect, it } from "vitest";
import { logBuilder } from "../../src/domain/test-support/log-builder.js";
import { diffRows, digestOf, keepRows, type RowSet, toRowSet } from "../../src/projector/read-model-table.js";
import { describeDiff } from "../../src/projector/run-projection.js";
import { dealRecords } from "./definition.js";

function fold(events: readonly { eventId: string }[]) {
  let state = dealRecords.init();
  for (const event of events) state = dealRecords.apply(state, event as never);
  return state;
}

/** The change records between two row sets, as the projector computes them (from what it kept of `before`). */
function changes(before: RowSet, after: RowSet) {
  const kept = keepRows(before);
  return describeDiff(dealRecords, kept, diffRows(kept, after));
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

  it("keeps of each row its digest and a brief (status and parties), enough to find and describe changes", () => {
    const log = logBuilder();
    for (const id of ["a", "b"]) log.company(id);
    log.deal("AcquisitionReported", "x", "announced", "2025", { acquirer: "a", target: "b" });
    const first = toRowSet(dealRecords.rows(fold(log.events), "2026-01-01"));
    const kept = keepRows(first).get("x")!;
    expect(kept.text).toBe(digestOf(first.get("x")!.json));
    expect(JSON.parse(kept.brief!)).toEqual({
      status: "announced",
      parties: [
        { companyId: "a", name: "A", role: "acquirer" },
        { companyId: "b", name: "B", role: "target" },
      ],
    });
    // A change to a field the brief does not show still makes the row differ, and is written.
    log.amend("x", { terms: "cash" }, "2025");
    const amended = toRowSet(dealRecords.rows(fold(log.events), "2026-01-01"));
    expect(diffRows(keepRows(first), amended).upserts.map(([key]) => key)).toEqual(["x"]);
    expect(diffRows(keepRows(amended), amended).upserts).toEqual([]);
    // A deal no longer listed is described from its brief.
    expect(changes(first, new Map())).toMatchObject([
      {
        dealId: "x",
        companyId: "a",
        before: "announced",
        after: null,
        description: "x (A, B) is no longer listed (was announced)",
      },
    ]);
  });
});
