import { describe, expect, it } from "vitest";
import { applyEvent, createDomainState, foldLog, type RecordedEvent } from "../src/domain/index.js";
import { dependenciesView } from "./dependency-graph/view.js";
import { rankingsView } from "./integration-ranking/view.js";
import { companyLayersView, layersView } from "./layer-ownership/view.js";
import { loadSeedEvents } from "./test-support/seed-data.js";

const seed = loadSeedEvents();
const openingOf = (dealId: string): RecordedEvent => {
  const e = seed.find((x) => (x.data as { dealId?: string }).dealId === dealId);
  if (e === undefined) throw new Error(dealId);
  return e;
};

function later(type: string, data: Record<string, unknown>, n: number): RecordedEvent {
  return { eventId: `later-${n}`, type, data, position: 100 + n, recordedAt: "2026-11-21T09:00:00Z" };
}

const completion = later("DealStatusChanged", { dealId: "spacex-anysphere", status: "completed" }, 1);

describe("seed scenarios", () => {
  it("SpaceX gains application (and a better model path) when the Anysphere acquisition completes", () => {
    const before = foldLog(seed);
    const after = foldLog([...seed, completion]);
    const asOf = "2026-11-21";
    expect(companyLayersView(before, "spacex", asOf, null)?.layers.application).toBeUndefined();
    expect(companyLayersView(after, "spacex", asOf, null)).toMatchObject({
      layers: {
        compute: { weight: 1, path: "direct", since: "2026-02-28" },
        model: { weight: 1, path: "via_acquisition", via: "anysphere", since: "2026-02-28" },
        application: { weight: 1, path: "via_acquisition", via: "anysphere", since: "2026-11-21" },
      },
      controls: [
        { companyId: "anysphere", stake: 100, since: "2026-11-21" },
        { companyId: "xai", stake: 51, since: "2026-02-28" },
      ],
    });
    const score = (s: typeof before) =>
      rankingsView(s, asOf, null).rankings.find((r) => r.companyId === "spacex")?.score;
    expect(score(before)).toBe(2);
    expect(score(after)).toBe(3.5);
    expect(rankingsView(after, asOf, null).rankings.some((r) => r.companyId === "anysphere")).toBe(false);
    // The day before, the undated completion is not in force yet.
    expect(companyLayersView(after, "spacex", "2026-11-20", null)?.layers.application).toBeUndefined();
  });

  it("Microsoft inherits nothing from its minority stake in OpenAI; the capital edge exists", () => {
    const s = foldLog(seed);
    const ms = companyLayersView(s, "microsoft", "2026-11-21", null);
    expect(Object.values(ms?.layers ?? {}).every((l) => l.path === "direct")).toBe(true);
    expect(ms?.controls).toEqual([]);
    const edges = dependenciesView(s, "2026-11-21", null, { company: "microsoft", layer: "capital" }).edges;
    expect(edges.map((e) => `${e.customer}>${e.supplier}`)).toEqual(["openai>microsoft"]);
  });

  it("a retraction or correction known later changes every date; the prefix still shows the old record", () => {
    const extra = [
      later("DealRetracted", { dealId: "anthropic-fluidstack" }, 2),
      later(
        "DealCorrected",
        {
          dealId: "xai-grok",
          correctsEventId: openingOf("xai-grok").eventId,
          changes: { occurredOn: "2025-03" },
        },
        3,
      ),
    ];
    const s = foldLog([...seed, ...extra]);
    const edges = dependenciesView(s, "2025-12-31", null).edges.map((e) => `${e.customer}>${e.supplier}`);
    expect(edges).not.toContain("anthropic>fluidstack");
    expect(companyLayersView(s, "xai", "2025-12-31", null)?.layers.model?.since).toBe("2025-03-31");
    const prefix = foldLog(seed);
    expect(companyLayersView(prefix, "xai", "2025-12-31", null)?.layers.model?.since).toBe("2023-12-31");
  });

  it("gives the same views when folded incrementally with views in between (caches stay coherent)", () => {
    const all = [
      ...seed,
      completion,
      later("DealEnded", { dealId: "anthropic-spacex-colossus", occurredOn: "2026-09" }, 4),
      later(
        "DealAmended",
        { dealId: "anthropic-fluidstack", occurredOn: "2026-01", changes: { termMonths: 10 } },
        5,
      ),
    ];
    const incremental = createDomainState();
    const dates = ["2026-11-21", "2025-12-31", "2026-06-30"];
    for (const [i, e] of all.entries()) {
      applyEvent(incremental, e);
      if (i % 7 !== 0) continue;
      for (const d of dates) {
        layersView(incremental, d, null);
        dependenciesView(incremental, d, null);
      }
    }
    const fresh = foldLog(all);
    for (const d of dates) {
      expect(layersView(incremental, d, null)).toEqual(layersView(fresh, d, null));
      expect(dependenciesView(incremental, d, null)).toEqual(dependenciesView(fresh, d, null));
      expect(rankingsView(incremental, d, null)).toEqual(rankingsView(fresh, d, null));
    }
    const names = dependenciesView(fresh, "2026-11-21", null).edges.map((e) => `${e.customer}>${e.supplier}`);
    expect(names).not.toContain("anthropic>spacex"); // ended in 2026-09
    expect(names).not.toContain("anthropic>fluidstack"); // term amended to 10 months from 2025-11-12
    expect(
      dependenciesView(fresh, "2026-06-30", null).edges.map((e) => `${e.customer}>${e.supplier}`),
    ).toContain("anthropic>spacex");
  });
});
