/**
 * A deal's history at D: every event of the deal known at K, by effective date then log order, each with
 * whether it is in force at D and which corrections rewrote it.
 */
import { dayToIso, effectiveDay, utcDayOf } from "./dates.js";
import { type DealFact, factDay } from "./deal-model.js";
import type { DealRecordsState } from "./deal-records-state.js";

export interface HistoryInput {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly recordedAt: string;
}

export interface HistoryAnnotation {
  readonly effectiveDate: string;
  readonly inForce: boolean;
  readonly correctedBy: string[];
}

/**
 * Annotates and orders the deal's events (given in log order). A dated fact takes its effective date as
 * corrected; a correction or retraction, which counts whatever D, its own `occurredOn`, else the day it was
 * recorded, and is always in force once known.
 */
export function dealHistory<E extends HistoryInput>(
  state: DealRecordsState,
  dealId: string,
  events: readonly E[],
  day: number,
): (E & HistoryAnnotation)[] {
  const deal = state.domain.deals.get(dealId);
  const extras = state.extras.get(dealId);
  const facts = new Map<string, DealFact>();
  if (deal !== undefined) {
    for (const fact of [deal.opening, ...deal.statusChanges, ...deal.amendments, ...deal.ends]) {
      facts.set(fact.eventId, fact);
    }
  }
  const entries = events.map((event, order) => {
    const fact = facts.get(event.id);
    let effective: number;
    let inForce: boolean;
    if (fact !== undefined) {
      effective = factDay(fact);
      inForce = effective <= day;
    } else {
      const occurredOn = (event.data as { occurredOn?: unknown }).occurredOn;
      effective = typeof occurredOn === "string" ? effectiveDay(occurredOn) : utcDayOf(event.recordedAt);
      inForce = true;
    }
    return { event, order, effective, inForce };
  });
  entries.sort((a, b) => a.effective - b.effective || a.order - b.order);
  return entries.map(({ event, effective, inForce }) => ({
    ...event,
    effectiveDate: dayToIso(effective),
    inForce,
    correctedBy: [...(extras?.correctedBy?.get(event.id) ?? [])],
  }));
}
