import { describe, expect, it } from "vitest";
import { isoToDay } from "./dates.js";
import {
  compileDeal,
  type DealRecord,
  fieldAt,
  fieldsAt,
  isCompleted,
  isEndedAt,
  isInForce,
  runStartAt,
  statusAt,
} from "./deal-model.js";
import type { DomainState } from "./state.js";
import { logBuilder } from "./test-support/log-builder.js";

const d = isoToDay;

function deal(state: DomainState, id: string): DealRecord {
  const found = state.deals.get(id);
  if (found === undefined) throw new Error(`no deal ${id}`);
  return found;
}

function statusOn(state: DomainState, id: string, iso: string): string | undefined {
  return statusAt(compileDeal(deal(state, id)), d(iso));
}

function fieldsOn(state: DomainState, id: string, iso: string): Readonly<Record<string, unknown>> {
  const x = deal(state, id);
  return fieldsAt(x, compileDeal(x), d(iso));
}

const compute = (extra: Record<string, unknown> = {}) => ({ customer: "a", provider: "b", ...extra });

describe("status at D", () => {
  it("is the latest status-setting event effective by D; none before the first", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "announced", "2020-06", compute());
    log.status("x", "completed", "2022-Q1");
    const s = log.fold();
    expect(statusOn(s, "x", "2020-06-29")).toBeUndefined();
    expect(statusOn(s, "x", "2020-06-30")).toBe("announced");
    expect(statusOn(s, "x", "2022-03-30")).toBe("announced");
    expect(statusOn(s, "x", "2022-03-31")).toBe("completed");
  });

  it("counts a status event dated before the opening event from its own date", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "announced", "2025-06", compute());
    log.status("x", "completed", "2025-03");
    const s = log.fold();
    expect(statusOn(s, "x", "2025-02-28")).toBeUndefined();
    expect(statusOn(s, "x", "2025-04-01")).toBe("completed");
    expect(statusOn(s, "x", "2025-07-01")).toBe("announced"); // the opening is the latest by date
  });

  it("breaks ties on the same effective date by log order", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "reported", "2025-01-10", compute());
    log.status("x", "completed", "2025-02-01");
    log.status("x", "cancelled", "2025-02"); // 2025-02-28
    log.status("x", "announced", "2025-02-28"); // same day, later in the log
    const s = log.fold();
    expect(statusOn(s, "x", "2025-02-28")).toBe("announced");
  });

  it("takes an undated event on the UTC day it was recorded", () => {
    const log = logBuilder("2024-05-06T23:59:59Z");
    log.deal("ComputeDealReported", "x", "announced", undefined, compute());
    const s = log.fold();
    expect(statusOn(s, "x", "2024-05-05")).toBeUndefined();
    expect(statusOn(s, "x", "2024-05-06")).toBe("announced");
  });
});

describe("the unbroken qualifying run at D", () => {
  it("starts at the first status of the run that holds at D", () => {
    const log = logBuilder();
    log.deal("AcquisitionReported", "x", "announced", "2020", { acquirer: "a", target: "b" });
    log.status("x", "completed", "2022");
    const c = compileDeal(deal(log.fold(), "x"));
    expect(runStartAt(c, d("2021-06-01"), isCompleted)).toBeUndefined();
    expect(runStartAt(c, d("2023-01-01"), isCompleted)?.day).toBe(d("2022-12-31"));
    expect(runStartAt(c, d("2023-01-01"), isInForce)?.day).toBe(d("2020-12-31"));
  });

  it("restarts after a step out of the qualifying statuses", () => {
    const log = logBuilder();
    log.deal("AcquisitionReported", "x", "completed", "2020", { acquirer: "a", target: "b" });
    log.status("x", "reported", "2021");
    log.status("x", "completed", "2022");
    log.status("x", "completed", "2023");
    const c = compileDeal(deal(log.fold(), "x"));
    expect(runStartAt(c, d("2021-01-01"), isCompleted)?.day).toBe(d("2020-12-31"));
    expect(runStartAt(c, d("2021-12-31"), isCompleted)).toBeUndefined();
    expect(runStartAt(c, d("2024-01-01"), isCompleted)?.day).toBe(d("2022-12-31"));
  });
});

describe("fields at D: amendments, corrections", () => {
  it("applies amendments effective by D in (date, log order)", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "announced", "2024-01", compute({ termMonths: 6 }));
    log.amend("x", { termMonths: 24 }, "2024-06");
    log.amend("x", { termMonths: 12 }, "2024-03"); // earlier date, later in the log
    log.amend("x", { termMonths: 36 }, "2024-06-30"); // same date as the first, later in the log
    const s = log.fold();
    expect(fieldsOn(s, "x", "2024-02-01").termMonths).toBe(6);
    expect(fieldsOn(s, "x", "2024-04-01").termMonths).toBe(12);
    expect(fieldsOn(s, "x", "2024-07-01").termMonths).toBe(36);
    // fieldAt (one field, no allocation) agrees with fieldsAt on every day around the amendments.
    const x = deal(s, "x");
    const c = compileDeal(x);
    for (let day = d("2023-12-01"); day <= d("2024-08-01"); day++) {
      expect(fieldAt(x, c, day, "termMonths")).toBe(fieldsAt(x, c, day).termMonths);
      expect(fieldAt(x, c, day, "customer")).toBe("a");
    }
  });

  it("ignores amendments of parties, stake fields and common fields", () => {
    const log = logBuilder();
    log.deal("AcquisitionReported", "x", "completed", "2024-01", {
      acquirer: "a",
      target: "b",
      percentAcquired: 60,
    });
    log.amend("x", { acquirer: "z", percentAcquired: 100, status: "cancelled", terms: "cash" }, "2024-02");
    const s = log.fold();
    const f = fieldsOn(s, "x", "2024-12-31");
    expect(f).toMatchObject({ acquirer: "a", percentAcquired: 60, status: "completed", terms: "cash" });
    expect(statusOn(s, "x", "2024-12-31")).toBe("completed");
  });

  it("lets a correction rewrite the opening as if it had always been so, whatever D", () => {
    const log = logBuilder();
    const opening = log.deal(
      "ComputeDealReported",
      "x",
      "announced",
      "2024-01",
      compute({ amount: { usd: 5 } }),
    );
    log.correct("x", opening, { amount: { usd: 7, per: "month" }, occurredOn: "2023-06" });
    const s = log.fold();
    expect(fieldsOn(s, "x", "2023-07-01").amount).toEqual({ usd: 7, per: "month" }); // shallow: replaced whole
    expect(statusOn(s, "x", "2023-07-01")).toBe("announced");
  });

  it("applies several corrections of one event in log order, and corrects lifecycle events", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "announced", "2024-01", compute());
    const change = log.status("x", "completed", "2024-06");
    const amendment = log.amend("x", { termMonths: 24 }, "2024-06");
    log.correct("x", change, { status: "cancelled" });
    log.correct("x", change, { occurredOn: "2024-09" });
    log.correct("x", amendment, { changes: { termMonths: 3 } });
    const s = log.fold();
    expect(statusOn(s, "x", "2024-07-01")).toBe("announced");
    expect(statusOn(s, "x", "2024-10-01")).toBe("cancelled");
    expect(fieldsOn(s, "x", "2024-07-01").termMonths).toBe(3);
  });

  it("is known only from when it was recorded: folding the prefix shows the old record", () => {
    const log = logBuilder();
    const opening = log.deal("ComputeDealReported", "x", "announced", "2024-01", compute({ termMonths: 6 }));
    log.correct("x", opening, { termMonths: 18, status: "completed" });
    const before = log.fold(1);
    const after = log.fold();
    expect(fieldsOn(before, "x", "2024-02-01").termMonths).toBe(6);
    expect(statusOn(before, "x", "2024-02-01")).toBe("announced");
    expect(fieldsOn(after, "x", "2024-02-01").termMonths).toBe(18);
    expect(statusOn(after, "x", "2024-02-01")).toBe("completed");
  });

  it("re-indexes the deal when a correction changes a party", () => {
    const log = logBuilder();
    const opening = log.deal("ComputeDealReported", "x", "announced", "2024-01", compute());
    log.correct("x", opening, { provider: "c" });
    const s = log.fold();
    expect([...(s.dealsByCompany.get("b") ?? [])]).toEqual([]);
    expect([...(s.dealsByCompany.get("c") ?? [])]).toEqual(["x"]);
    expect([...(s.dealsByCompany.get("a") ?? [])]).toEqual(["x"]);
  });
});

describe("retractions and ends", () => {
  it("marks a deal retracted only once the retraction is folded", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "announced", "2024-01", compute());
    log.retract("x");
    expect(deal(log.fold(1), "x").retracted).toBe(false);
    expect(deal(log.fold(), "x").retracted).toBe(true);
  });

  it("ends a deal from the earliest DealEnded, for good", () => {
    const log = logBuilder();
    log.deal("ComputeDealReported", "x", "completed", "2020", compute());
    log.end("x", "2023");
    log.end("x", "2022-Q2");
    log.status("x", "completed", "2024");
    const c = compileDeal(deal(log.fold(), "x"));
    expect(isEndedAt(c, d("2022-06-29"))).toBe(false);
    expect(isEndedAt(c, d("2022-06-30"))).toBe(true);
    expect(isEndedAt(c, d("2025-01-01"))).toBe(true);
  });

  it("ignores lifecycle events of unknown deals and repeated openings", () => {
    const log = logBuilder();
    log.status("nope", "completed", "2020");
    log.deal("ComputeDealReported", "x", "announced", "2024-01", compute());
    log.deal("ComputeDealReported", "x", "completed", "2020-01", compute({ provider: "z" }));
    const s = log.fold();
    expect(s.deals.size).toBe(1);
    expect(statusOn(s, "x", "2025-01-01")).toBe("announced");
    expect(s.applied).toBe(3);
  });
});
