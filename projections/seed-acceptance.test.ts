import { describe, expect, it } from "vitest";
import { type DomainState, foldLog, type ProjectionReducer } from "../src/domain/index.js";
import { dependencyGraphReducer } from "./dependency-graph/reducer.js";
import { dependenciesView } from "./dependency-graph/view.js";
import { integrationRankingReducer } from "./integration-ranking/reducer.js";
import { rankingsView } from "./integration-ranking/view.js";
import { layerOwnershipReducer } from "./layer-ownership/reducer.js";
import { layersView } from "./layer-ownership/view.js";
import { firstDifference } from "./test-support/first-difference.js";
import { loadSeedEvents, loadSeedExpected } from "./test-support/seed-data.js";

const events = loadSeedEvents();
const expected = loadSeedExpected();

function expectSame(actual: unknown, wanted: unknown): void {
  // Round-trip through JSON, as the HTTP layer would, so absent optional keys really are absent.
  const diff = firstDifference(JSON.parse(JSON.stringify(actual)), wanted, {
    keyOrder: true,
    tolerance: 0.001,
  });
  expect(diff, diff === undefined ? "" : `first difference at ${diff.path} (${diff.reason})`).toBeUndefined();
}

describe("seed acceptance", () => {
  it("has 63 events", () => {
    expect(events).toHaveLength(63);
  });

  for (const asOf of ["2026-11-21", "2025-12-31"]) {
    const want = expected[asOf];
    describe(`as of ${asOf}`, () => {
      const state = foldLog(events);
      it("layers", () => expectSame(layersView(state, asOf, null), want?.layers));
      it("dependencies", () => expectSame(dependenciesView(state, asOf, null), want?.dependencies));
      it("rankings", () => expectSame(rankingsView(state, asOf, null), want?.rankings));
    });
  }

  it("each projection's own reducer (fed only its event types) gives the same views", () => {
    const fold = (r: ProjectionReducer<DomainState>): DomainState =>
      events.filter((e) => r.eventTypes.includes(e.type)).reduce((s, e) => r.apply(s, e), r.init());
    for (const asOf of ["2026-11-21", "2025-12-31"]) {
      const want = expected[asOf];
      expectSame(layersView(fold(layerOwnershipReducer), asOf, null), want?.layers);
      expectSame(dependenciesView(fold(dependencyGraphReducer), asOf, null), want?.dependencies);
      expectSame(rankingsView(fold(integrationRankingReducer), asOf, null), want?.rankings);
    }
  });
});
