import {
  createKeyJournal,
  type DomainState,
  isoToDay,
  journalAppend,
  journalEnd,
  type KeyJournal,
  type LiveWorld,
  liveWorld,
  readJournal,
} from "../../src/domain/index.js";
import type { ProjectionDefinition, ReadModelRow } from "../../src/projector/definition.js";
import { describeRankChanges } from "./changes.js";
import { integrationRankingReducer } from "./reducer.js";
import { type RankingBody, rankingBodies, rankingsView } from "./view.js";

const rowOf = (body: RankingBody): ReadModelRow => ({
  key: body.companyId,
  sortKey: String(body.rank).padStart(8, "0"),
  body,
});

/**
 * The ranking of a live world as last computed, and the companies whose row changed at each recomputation.
 * One rank moving shifts every rank below it, so the ranking is recomputed whole (a few thousand ultimate
 * parents, from the live presence: cheap) and compared row by row.
 */
interface LiveRanking {
  /** The live world's company journal position it was computed at. */
  position: number;
  rows: Map<string, ReadModelRow & { readonly json: string }>;
  readonly keys: KeyJournal;
}

function rankingRows(state: DomainState, live: LiveWorld): LiveRanking["rows"] {
  const rows: LiveRanking["rows"] = new Map();
  for (const body of rankingBodies(state, live))
    rows.set(body.companyId, { ...rowOf(body), json: JSON.stringify(body) });
  return rows;
}

/** The live world's ranking, recomputed when a company row may have changed since it was computed. */
function liveRanking(state: DomainState, live: LiveWorld): LiveRanking {
  const end = journalEnd(live.companyKeys);
  let ranking = live.derived.get("integration-ranking") as LiveRanking | undefined;
  if (ranking === undefined) {
    ranking = { position: end, rows: rankingRows(state, live), keys: createKeyJournal() };
    live.derived.set("integration-ranking", ranking);
  } else if (ranking.position !== end) {
    const rows = rankingRows(state, live);
    for (const [id, row] of rows)
      if (ranking.rows.get(id)?.json !== row.json) journalAppend(ranking.keys, id);
    for (const id of ranking.rows.keys()) if (!rows.has(id)) journalAppend(ranking.keys, id);
    ranking.rows = rows;
    ranking.position = end;
  }
  return ranking;
}

/** The integration ranking as the projector runs it: one read-model row per ranked ultimate parent. */
export const integrationRanking: ProjectionDefinition<DomainState> = {
  ...integrationRankingReducer,
  rows: (state, asOf) => rankingsView(state, asOf, null).rankings.map(rowOf),
  changesSince(state, asOf, since) {
    const ranking = liveRanking(state, liveWorld(state, isoToDay(asOf)));
    const { keys, mark } = readJournal(ranking.keys, since);
    if (keys === undefined) return { full: true, rows: [...ranking.rows.values()], deletes: [], mark };
    const rows: ReadModelRow[] = [];
    const deletes: string[] = [];
    for (const id of keys) {
      const row = ranking.rows.get(id);
      if (row === undefined) deletes.push(id);
      else rows.push(row);
    }
    return { full: false, rows, deletes, mark };
  },
  describe: describeRankChanges,
};
