import { describe, expect, it } from "vitest";
import { integrationScore } from "../../src/domain/index.js";
import { type LogBuilder, logBuilder } from "../../src/domain/test-support/log-builder.js";
import { rankingsView } from "./view.js";

const ranks = (log: LogBuilder, asOf: string, limit?: number) =>
  rankingsView(log.fold(), asOf, null, { limit }).rankings.map((r) => `${r.rank} ${r.companyId} ${r.score}`);

describe("integration score", () => {
  const held = (spec: Array<[string, number]>) =>
    spec.map(([layer, p]) => ({ layer, p, path: "direct", via: undefined, since: 0 }) as never);

  it("sums p and adds 0.25 per layer beyond the first of the longest consecutive run", () => {
    expect(
      integrationScore(
        held([
          ["hardware", 1],
          ["compute", 1],
          ["model", 1],
          ["application", 1],
        ]),
      ),
    ).toBe(4.75);
    expect(
      integrationScore(
        held([
          ["hardware", 1],
          ["model", 1],
        ]),
      ),
    ).toBe(2);
    expect(
      integrationScore(
        held([
          ["hardware", 1],
          ["model", 1],
          ["application", 1],
        ]),
      ),
    ).toBe(3.25);
    expect(
      integrationScore(
        held([
          ["compute", 1],
          ["model", 0.75],
        ]),
      ),
    ).toBe(2);
    expect(integrationScore(held([["application", 0.75]]))).toBe(0.75);
    expect(integrationScore([])).toBe(0);
  });
});

describe("rankings view", () => {
  it("ranks ultimate parents holding a layer; controlled entities roll up and are not ranked", () => {
    const log = logBuilder();
    log.company("p", [["compute", "2010"]]);
    log.company("s", [
      ["model", "2012"],
      ["application", "2011"],
    ]);
    log.company("empty");
    log.company("solo", [["hardware", "2000"]]);
    log.deal("StakeChangeReported", "x", "completed", "2015", { holder: "p", entity: "s", percentAfter: 70 });
    const body = rankingsView(log.fold(), "2020-01-01", "c1");
    expect(body).toEqual({
      asOf: "2020-01-01",
      cursor: "c1",
      rankings: [
        {
          rank: 1,
          companyId: "p",
          name: "P",
          score: 3,
          layers: { compute: 1, model: 0.75, application: 0.75 },
          directLayers: 1,
          attainedAt: "2015-12-31",
        },
        {
          rank: 2,
          companyId: "solo",
          name: "SOLO",
          score: 1,
          layers: { hardware: 1 },
          directLayers: 1,
          attainedAt: "2000-12-31",
        },
      ],
    });
  });

  it("orders by score, then direct layers, then attainedAt, then company id; limit keeps the first", () => {
    const log = logBuilder();
    // Same score 2.25 (two consecutive layers at p = 1)…
    log.company("d2", [
      ["compute", "2010"],
      ["model", "2012"],
    ]);
    log.company("d1", [["compute", "2010"]]);
    log.company("d1-sub", [["model", "2011"]]);
    log.deal("AcquisitionReported", "x", "completed", "2009", { acquirer: "d1", target: "d1-sub" });
    // … same direct count and attainedAt as d2, smaller id:
    log.company("c2", [
      ["hardware", "2005"],
      ["compute", "2012"],
    ]);
    // … same everything but a later attainedAt:
    log.company("b2", [
      ["model", "2013"],
      ["application", "2000"],
    ]);
    // higher score
    log.company("top", [
      ["hardware", "2020"],
      ["compute", "2020"],
      ["model", "2020"],
    ]);
    expect(ranks(log, "2021-01-01")).toEqual([
      "1 top 3.5",
      "2 c2 2.25",
      "3 d2 2.25",
      "4 b2 2.25",
      "5 d1 2.25",
    ]);
    expect(ranks(log, "2021-01-01", 2)).toEqual(["1 top 3.5", "2 c2 2.25"]);
  });
});
