import { describe, expect, it } from "vitest";
import { controlAt } from "../control.js";
import { isoToDay } from "../dates.js";
import { edgesAt } from "../dependencies.js";
import { journalEnd, journalSince } from "../key-journal.js";
import { presenceAt } from "../presence.js";
import { applyEvent, createDomainState, type DomainState } from "../state.js";
import { type LogBuilder, logBuilder } from "../test-support/log-builder.js";
import { type LiveWorld, liveWorld } from "./live-world.js";

const DAY = isoToDay("2025-01-01");

/** Folds the log's new events into one state and reports what the live world journaled for them. */
function follower(log: LogBuilder) {
  const state = createDomainState();
  let at = 0;
  return {
    state,
    step(): { live: LiveWorld; companies: Set<string>; edges: Set<string> } {
      const before = state.live;
      const companyAt = before === undefined ? 0 : journalEnd(before.companyKeys);
      const edgeAt = before === undefined ? 0 : journalEnd(before.edgeKeys);
      for (; at < log.events.length; at++) applyEvent(state, log.events[at]!);
      const live = liveWorld(state, DAY);
      expect(live, "updated in place, not rebuilt").toBe(before ?? live);
      return {
        live,
        companies: journalSince(live.companyKeys, companyAt) ?? new Set(),
        edges: journalSince(live.edgeKeys, edgeAt) ?? new Set(),
      };
    },
  };
}

/** The live world agrees with the full computation at the same date. */
function expectMatchesFull(state: DomainState, live: LiveWorld): void {
  const control = controlAt(state, DAY);
  expect(new Map(live.control.parent)).toEqual(new Map(control.parent));
  const presence = presenceAt(state, DAY, control);
  const nonEmpty = (m: ReadonlyMap<string, { layers: readonly unknown[]; planned: readonly unknown[] }>) =>
    [...m].filter(([, p]) => p.layers.length + p.planned.length > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  expect(nonEmpty(live.presence)).toEqual(nonEmpty(presence));
  const visible = [...live.aggregates.values()]
    .filter((e) => live.control.ultimateParent(e.customer) !== live.control.ultimateParent(e.supplier))
    .map((e) => `${e.customer}>${e.supplier}@${e.layer} ${e.weight}`)
    .sort();
  const full = edgesAt(state, DAY, control)
    .map((e) => `${e.customer}>${e.supplier}@${e.layer} ${e.weight}`)
    .sort();
  expect(visible).toEqual(full);
}

const key = (customer: string, supplier: string, layer: string) =>
  `${customer}\u0000${supplier}\u0000${layer}`;

describe("the live world", () => {
  it("a stake falling to 0 stops the holder's earlier capital, though no control changes", () => {
    const log = logBuilder();
    for (const id of ["i", "e"]) log.company(id);
    log.deal("FundingRoundReported", "f", "completed", "2020-01-01", {
      investee: "e",
      investors: [{ companyId: "i" }],
    });
    const follow = follower(log);
    expect(follow.step().live.aggregates.has(key("e", "i", "capital"))).toBe(true);
    log.deal("StakeChangeReported", "s", "completed", "2021-01-01", {
      holder: "i",
      entity: "e",
      percentAfter: 0,
    });
    const { live, edges } = follow.step();
    expect(live.control.parent.size).toBe(0);
    expect(edges).toContain(key("e", "i", "capital"));
    expect(live.aggregates.has(key("e", "i", "capital"))).toBe(false);
    expectMatchesFull(follow.state, live);
  });

  it("a change of controller re-derives the old and new chains above it and the ultimate parents below", () => {
    const log = logBuilder();
    for (const id of ["a", "c", "s"]) log.company(id);
    log.company("t", [["compute", "2019-01-01"]]);
    log.deal("AcquisitionReported", "ta", "completed", "2020-01-01", { acquirer: "a", target: "t" });
    log.deal("AcquisitionReported", "ts", "completed", "2020-01-01", { acquirer: "t", target: "s" });
    log.deal("ComputeDealReported", "k", "completed", "2020-06-01", { customer: "s", provider: "c" });
    const follow = follower(log);
    const first = follow.step().live;
    expect(first.presence.get("a")?.layers.map((l) => l.layer)).toEqual(["compute"]);
    expect(first.control.ultimateParent("s")).toBe("a");
    log.status("ta", "cancelled", "2021-01-01");
    log.deal("AcquisitionReported", "tc", "completed", "2021-02-01", { acquirer: "c", target: "t" });
    const { live, companies, edges } = follow.step();
    // t: its controller; a: lost what it inherited; c: gained it; s: another ultimate parent.
    for (const id of ["a", "c", "t", "s"]) expect(companies).toContain(id);
    expect(live.presence.get("a")?.layers ?? []).toEqual([]);
    expect(live.control.ultimateParent("s")).toBe("c");
    // s now sits under c: its compute deal with c became internal.
    expect(edges).toContain(key("s", "c", "compute"));
    expectMatchesFull(follow.state, live);
  });

  it("a correction moving a deal's provider moves the layer it grants", () => {
    const log = logBuilder();
    for (const id of ["x", "y", "z"]) log.company(id);
    const opening = log.deal("ComputeDealReported", "k", "completed", "2020-01-01", {
      customer: "x",
      provider: "y",
    });
    const follow = follower(log);
    expect(
      follow
        .step()
        .live.presence.get("y")
        ?.layers.map((l) => l.layer),
    ).toEqual(["compute"]);
    log.correct("k", opening, { provider: "z" });
    const { live, companies, edges } = follow.step();
    expect(companies).toEqual(new Set(["y", "z"]));
    expect(edges).toEqual(new Set([key("x", "y", "compute"), key("x", "z", "compute")]));
    expect(live.presence.get("y")).toBeUndefined();
    expect(live.presence.get("z")?.layers.map((l) => l.layer)).toEqual(["compute"]);
    expectMatchesFull(follow.state, live);
  });

  it("another date, or a journal that no longer reaches back, builds the world anew", () => {
    const log = logBuilder();
    log.company("a");
    const state = log.fold();
    const first = liveWorld(state, DAY);
    expect(liveWorld(state, DAY)).toBe(first);
    const other = liveWorld(state, DAY + 1);
    expect(other).not.toBe(first);
    const journal = state.journal!;
    journal.base += 10; // as if the oldest keys were dropped while the world was not read
    journal.keys.length = 0;
    expect(liveWorld(state, DAY + 1)).not.toBe(other);
  });
});
