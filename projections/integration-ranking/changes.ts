import type { ViewChange } from "../../src/projector/definition.js";
import type { RankingBody } from "./view.js";

/**
 * Rank changes of companies whose own standing changed (score or layers), entered or left the ranking.
 * Companies that only shift because another one moved record nothing: their own facts did not change.
 */
export function describeRankChanges(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): ViewChange[] {
  const changes: ViewChange[] = [];
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const companyId of ids) {
    const old = before.get(companyId) as RankingBody | undefined;
    const now = after.get(companyId) as RankingBody | undefined;
    if (old && now && old.score === now.score && JSON.stringify(old.layers) === JSON.stringify(now.layers))
      continue;
    const description = !old
      ? `${companyId} entered the ranking at ${now?.rank} (score ${now?.score})`
      : !now
        ? `${companyId} left the ranking (was ${old.rank})`
        : `${companyId} moved from rank ${old.rank} to ${now.rank} (score ${old.score} → ${now.score})`;
    changes.push({
      kind: "rank_changed",
      companyId,
      ...(old ? { before: { rank: old.rank, score: old.score } } : {}),
      ...(now ? { after: { rank: now.rank, score: now.score } } : {}),
      description,
    });
  }
  return changes;
}
