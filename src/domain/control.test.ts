import { describe, expect, it } from "vitest";
import { controlAt } from "./control.js";
import { dayToIso, isoToDay } from "./dates.js";
import { type LogBuilder, logBuilder } from "./test-support/log-builder.js";

function links(log: LogBuilder, asOf: string, count?: number): Record<string, string> {
  const c = controlAt(log.fold(count), isoToDay(asOf));
  const out: Record<string, string> = {};
  for (const [entity, l] of [...c.parent].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[entity] = `${l.holder} ${l.stake} ${dayToIso(l.since)}${l.viaAcquisition ? " acq" : ""}`;
  }
  return out;
}

const acquire = (
  log: LogBuilder,
  id: string,
  acquirer: string,
  target: string,
  status: string,
  on: string,
  pct?: number,
) =>
  log.deal("AcquisitionReported", id, status, on, {
    acquirer,
    target,
    ...(pct === undefined ? {} : { percentAcquired: pct }),
  });

const stake = (
  log: LogBuilder,
  id: string,
  holder: string,
  entity: string,
  on: string,
  fields: Record<string, unknown>,
) => log.deal("StakeChangeReported", id, "completed", on, { holder, entity, ...fields });

describe("stakes and control at D", () => {
  it("takes control from the completion of an acquisition announced earlier", () => {
    const log = logBuilder();
    acquire(log, "x", "p", "t", "announced", "2020");
    log.status("x", "completed", "2022");
    expect(links(log, "2021-06-01")).toEqual({});
    expect(links(log, "2023-01-01")).toEqual({ t: "p 100 2022-12-31 acq" });
  });

  it("only counts deals completed at D (not before completion, not after a later cancellation)", () => {
    const log = logBuilder();
    acquire(log, "x", "p", "t", "completed", "2020", 80);
    log.status("x", "cancelled", "2022");
    expect(links(log, "2021-01-01")).toEqual({ t: "p 80 2020-12-31 acq" });
    expect(links(log, "2023-01-01")).toEqual({});
  });

  it("ignores retracted deals, and DealEnded leaves stakes alone", () => {
    const log = logBuilder();
    acquire(log, "x", "p", "t", "completed", "2020");
    log.end("x", "2021");
    acquire(log, "y", "q", "u", "completed", "2020");
    log.retract("y");
    expect(links(log, "2022-01-01")).toEqual({ t: "p 100 2020-12-31 acq" });
    expect(links(log, "2022-01-01", 3)).toEqual({ t: "p 100 2020-12-31 acq", u: "q 100 2020-12-31 acq" });
  });

  it("reads control without a percentage as 51, a percentage over control, neither as nothing", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t1", "2020", { control: true });
    stake(log, "b", "p", "t2", "2020", { control: true, percentAfter: 40 });
    stake(log, "c", "p", "t3", "2020", { control: false, percentAfter: 70 });
    stake(log, "d", "p", "t4", "2020", {});
    expect(links(log, "2021-01-01")).toEqual({ t1: "p 51 2020-12-31", t3: "p 70 2020-12-31" });
  });

  it("controls above 50 only, until the stake falls to 50 or below", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t", "2020", { percentAfter: 50 });
    stake(log, "b", "p", "t", "2021", { percentAfter: 50.5 });
    stake(log, "c", "p", "t", "2022", { percentAfter: 90 });
    stake(log, "d", "p", "t", "2023", { percentAfter: 10 });
    stake(log, "e", "p", "t", "2024", { percentAfter: 60 });
    expect(links(log, "2020-12-31")).toEqual({});
    expect(links(log, "2022-12-31")).toEqual({ t: "p 90 2021-12-31" });
    expect(links(log, "2023-12-31")).toEqual({});
    expect(links(log, "2024-12-31")).toEqual({ t: "p 60 2024-12-31" });
  });

  it("picks the highest stake, then the later start of control, then the smaller id", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t", "2020", { percentAfter: 60 });
    acquire(log, "b", "q", "t", "completed", "2021", 70); // below 100: p keeps its 60
    expect(links(log, "2021-12-31")).toEqual({ t: "q 70 2021-12-31 acq" });

    const later = logBuilder();
    stake(later, "a", "p", "t", "2020", { percentAfter: 60 });
    stake(later, "b", "q", "t", "2021", { percentAfter: 60 });
    expect(links(later, "2021-12-31")).toEqual({ t: "q 60 2021-12-31" });

    const sameDay = logBuilder();
    stake(sameDay, "a", "q", "t", "2021", { percentAfter: 60 });
    stake(sameDay, "b", "p", "t", "2021", { percentAfter: 60 });
    expect(links(sameDay, "2021-12-31")).toEqual({ t: "p 60 2021-12-31" });
  });

  it("dates a link from the start of the holder's current period as controller", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t", "2018", { percentAfter: 60 });
    stake(log, "b", "q", "t", "2020", { percentAfter: 70 });
    stake(log, "c", "q", "t", "2021", { percentAfter: 40 });
    stake(log, "d", "p", "t", "2022", { percentAfter: 65 }); // still the controller: since unchanged
    expect(links(log, "2020-12-31")).toEqual({ t: "q 70 2020-12-31" });
    expect(links(log, "2022-12-31")).toEqual({ t: "p 65 2021-12-31" });
  });

  it("zeroes every other holder at a 100% acquisition, not below 100", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t", "2018", { percentAfter: 60 });
    acquire(log, "b", "q", "t", "completed", "2020", 100);
    stake(log, "c", "q", "t", "2021", { percentAfter: 30 });
    expect(links(log, "2020-12-31")).toEqual({ t: "q 100 2020-12-31 acq" });
    expect(links(log, "2021-12-31")).toEqual({}); // p's 60 was zeroed, q is down to 30
  });

  it("counts a link as an acquisition only when its current spell began with one", () => {
    const log = logBuilder();
    stake(log, "a", "p", "t", "2018", { percentAfter: 60 });
    acquire(log, "b", "p", "t", "completed", "2020", 100);
    acquire(log, "c", "q", "u", "completed", "2018", 60);
    stake(log, "d", "q", "u", "2020", { percentAfter: 100 });
    expect(links(log, "2021-01-01")).toEqual({ t: "p 100 2018-12-31", u: "q 100 2018-12-31 acq" });
  });

  it("applies same-day stake events in the log order of the status event that began each completed run", () => {
    const log = logBuilder();
    acquire(log, "x", "p", "t", "reported", "2022-05-01");
    acquire(log, "y", "q", "t", "completed", "2022-05-01");
    log.status("x", "completed", "2022-05-01"); // x's run begins after y's in the log: x applies last
    expect(links(log, "2022-05-01")).toEqual({ t: "p 100 2022-05-01 acq" });
  });

  it("builds chains to the ultimate parent and breaks a cycle at its smallest id", () => {
    const log = logBuilder();
    acquire(log, "1", "b", "c", "completed", "2020");
    acquire(log, "2", "a", "b", "completed", "2020");
    acquire(log, "3", "d", "a", "completed", "2021"); // a → b → c, and d → a …
    acquire(log, "4", "b", "d", "completed", "2022"); // … and b → d closes a cycle b, d, a
    const c2021 = controlAt(log.fold(), isoToDay("2021-12-31"));
    expect(["a", "b", "c", "d"].map((x) => c2021.ultimateParent(x))).toEqual(["d", "d", "d", "d"]);
    const c2022 = controlAt(log.fold(), isoToDay("2022-12-31"));
    expect(c2022.parent.has("a")).toBe(false); // the cycle a → d → b → a is broken at a
    expect(["a", "b", "c", "d", "z"].map((x) => c2022.ultimateParent(x))).toEqual(["a", "a", "a", "a", "z"]);
    expect(c2022.children.get("b")).toEqual(["c", "d"]);
  });
});

describe("capital stops", () => {
  it("stops contributions into a wholly acquired target dated on or before it, except the acquirer's", () => {
    const log = logBuilder();
    acquire(log, "x", "p", "t", "completed", "2022-06-15");
    const c = controlAt(log.fold(), isoToDay("2023-01-01"));
    expect(c.capitalStopped("t", "investor", isoToDay("2022-06-15"))).toBe(true);
    expect(c.capitalStopped("t", "investor", isoToDay("2022-06-16"))).toBe(false);
    expect(c.capitalStopped("t", "p", isoToDay("2020-01-01"))).toBe(false);
    const before = controlAt(log.fold(), isoToDay("2022-06-14"));
    expect(before.capitalStopped("t", "investor", isoToDay("2020-01-01"))).toBe(false);
  });

  it("stops a holder's contributions dated on or before its stake change to 0", () => {
    const log = logBuilder();
    stake(log, "x", "h", "t", "2022-06-15", { percentAfter: 0 });
    const c = controlAt(log.fold(), isoToDay("2023-01-01"));
    expect(c.capitalStopped("t", "h", isoToDay("2022-06-15"))).toBe(true);
    expect(c.capitalStopped("t", "h", isoToDay("2022-06-16"))).toBe(false);
    expect(c.capitalStopped("t", "other", isoToDay("2020-01-01"))).toBe(false);
  });
});
