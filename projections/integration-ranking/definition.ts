import type { DomainState } from "../../src/domain/index.js";
import type { ProjectionDefinition } from "../../src/projector/definition.js";
import { describeRankChanges } from "./changes.js";
import { integrationRankingReducer } from "./reducer.js";
import { rankingsView } from "./view.js";

/** The integration ranking as the projector runs it: one read-model row per ranked ultimate parent. */
export const integrationRanking: ProjectionDefinition<DomainState> = {
  ...integrationRankingReducer,
  rows: (state, asOf) =>
    rankingsView(state, asOf, null).rankings.map((body) => ({
      key: body.companyId,
      sortKey: String(body.rank).padStart(8, "0"),
      body,
    })),
  describe: describeRankChanges,
};
