import type { Deal } from "../../src/domain/deal-schema.js";
import type { ViewChange } from "../../src/projector/definition.js";

const who = (deal: Deal) => {
  const names = [...new Set(deal.parties.map((party) => party.name))];
  return names.length > 0 ? ` (${names.join(", ")})` : "";
};

/**
 * Deal news: a deal whose status at today's date changed — a new deal listed, a step of its lifecycle, a
 * retraction — by an event or at midnight when a future-dated event takes effect. Other field changes
 * (an amendment, a correction of an amount) record nothing here.
 */
export function describeDealChanges(
  before: ReadonlyMap<string, unknown>,
  after: ReadonlyMap<string, unknown>,
): ViewChange[] {
  const changes: ViewChange[] = [];
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const dealId of ids) {
    const old = before.get(dealId) as Deal | undefined;
    const now = after.get(dealId) as Deal | undefined;
    const from = old?.status ?? null;
    const to = now?.status ?? null;
    if (from === to) continue;
    const deal = (now ?? old) as Deal;
    const description =
      from === null
        ? `${dealId}${who(deal)} is ${to}`
        : to === null
          ? `${dealId}${who(deal)} is no longer listed (was ${from})`
          : `${dealId}${who(deal)}: ${from} → ${to}`;
    changes.push({
      kind: "deal_status_changed",
      dealId,
      ...(deal.parties[0] ? { companyId: deal.parties[0].companyId } : {}),
      before: from,
      after: to,
      description,
    });
  }
  return changes;
}
