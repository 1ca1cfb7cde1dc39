/**
 * Dependency edges at D: contributions of deals in force, their decayed weights, and the aggregation per
 * (customer, supplier, layer).
 */

import type { ControlAt } from "./control.js";
import { addMonthsClamped } from "./dates.js";
import {
  type CompiledDeal,
  compileDeal,
  type DealRecord,
  fieldAt,
  isEndedAt,
  statusAt,
} from "./deal-model.js";
import type { DependencyLayer, Money } from "./event-types.js";
import type { DomainState } from "./state.js";

export interface Contribution {
  readonly customer: string;
  readonly supplier: string;
  readonly layer: DependencyLayer;
  /** Value in USD, or null when the contribution has none. */
  readonly valueUsd: number | null;
}

export interface EdgeAt {
  readonly customer: string;
  readonly supplier: string;
  readonly layer: DependencyLayer;
  /** Unrounded weight. */
  readonly weight: number;
  /** Unrounded undecayed sum of known values, or null when none has a value. */
  readonly totalValueUsd: number | null;
  readonly firstSeen: number;
  /** Sorted, unique. */
  readonly deals: readonly string[];
}

const HALF_LIFE_DAYS = 730.5;

/** `max(1, log10(V) − 5) × 2^(−age/730.5)`, with V = 1 when the contribution has no value. */
export function contributionWeight(valueUsd: number | null, ageDays: number): number {
  const v = valueUsd ?? 1;
  const size = Math.max(1, Math.log10(v) - 5);
  return size * 2 ** (-ageDays / HALF_LIFE_DAYS);
}

/** USD value of an amount: per-month × termMonths (12 if absent), per-year × termMonths/12 (1 if absent). */
export function moneyValueUsd(money: Money | undefined, termMonths: number | undefined): number | null {
  if (money === undefined || money === null) return null;
  const per = money.per ?? "total";
  if (per === "month") return money.usd * (termMonths ?? 12);
  if (per === "year") return money.usd * (termMonths === undefined ? 1 : termMonths / 12);
  return money.usd;
}

function termAt(deal: DealRecord, c: CompiledDeal, day: number): number | undefined {
  const t = fieldAt(deal, c, day, "termMonths");
  return typeof t === "number" ? t : undefined;
}

function valueAt(deal: DealRecord, c: CompiledDeal, day: number, key: string, term: number | undefined) {
  return moneyValueUsd(fieldAt(deal, c, day, key) as Money | undefined, term);
}

/** The contributions a deal makes at D, from its parties (as corrected) and its fields at D. */
export function contributionsOf(deal: DealRecord, c: CompiledDeal, day: number): Contribution[] {
  const d = deal.opening.data;
  const term = termAt(deal, c, day);
  switch (deal.type) {
    case "ComputeDealReported": {
      const out: Contribution[] = [
        {
          customer: d.customer as string,
          supplier: d.provider as string,
          layer: "compute",
          valueUsd: valueAt(deal, c, day, "amount", term),
        },
      ];
      const designer = d.acceleratorDesigner;
      if (typeof designer === "string") {
        out.push({ customer: d.customer as string, supplier: designer, layer: "hardware", valueUsd: null });
      }
      return out;
    }
    case "SupplyDealReported":
      return [
        {
          customer: d.customer as string,
          supplier: d.supplier as string,
          layer: fieldAt(deal, c, day, "layer") as DependencyLayer,
          valueUsd: valueAt(deal, c, day, "amount", term),
        },
      ];
    case "LicenseDealReported":
      return [
        {
          customer: d.licensee as string,
          supplier: d.licensor as string,
          layer: (fieldAt(deal, c, day, "layer") as DependencyLayer | undefined) ?? "model",
          valueUsd: valueAt(deal, c, day, "amount", term),
        },
      ];
    case "PartnershipReported": {
      const dep = d.dependency as { customer: string; supplier: string; layer: DependencyLayer } | undefined;
      if (dep === undefined) return [];
      return [
        {
          customer: dep.customer,
          supplier: dep.supplier,
          layer: dep.layer,
          valueUsd: valueAt(deal, c, day, "amount", term),
        },
      ];
    }
    case "FundingRoundReported": {
      const investors = d.investors as { companyId: string; amount?: Money }[];
      const single = investors.length === 1;
      return investors.map((inv) => ({
        customer: d.investee as string,
        supplier: inv.companyId,
        layer: "capital" as const,
        valueUsd:
          inv.amount !== undefined
            ? moneyValueUsd(inv.amount, term)
            : single
              ? valueAt(deal, c, day, "amount", term)
              : null,
      }));
    }
    case "StakeChangeReported": {
      const pct = d.percentAfter;
      if (typeof pct !== "number" || pct <= 0 || pct > 50) return [];
      return [
        {
          customer: d.entity as string,
          supplier: d.holder as string,
          layer: "capital",
          valueUsd: valueAt(deal, c, day, "consideration", term),
        },
      ];
    }
    case "ProductLaunchReported": {
      const hosts = d.hostedOn as string[] | undefined;
      if (hosts === undefined) return [];
      return [...new Set(hosts)].map((host) => ({
        customer: d.owner as string,
        supplier: host,
        layer: "compute" as const,
        valueUsd: null,
      }));
    }
    case "ModelReleaseReported": {
      const base = d.baseModel as { developer?: string } | undefined;
      const baseDeveloper = base?.developer;
      if (baseDeveloper === undefined || baseDeveloper === d.developer) return [];
      return [{ customer: d.developer as string, supplier: baseDeveloper, layer: "model", valueUsd: null }];
    }
    default:
      return [];
  }
}

const CONTRIBUTING = new Set([
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "PartnershipReported",
  "FundingRoundReported",
  "StakeChangeReported",
  "ProductLaunchReported",
  "ModelReleaseReported",
]);

/** A contribution in force at D with its decayed weight and its deal's opening day. */
export interface WeightedContribution extends Contribution {
  readonly weight: number;
  readonly openingDay: number;
}

/** The weighted contributions a deal makes at D (none when it does not count at D). */
export function dealContributionsAt(deal: DealRecord, day: number): WeightedContribution[] {
  if (!CONTRIBUTING.has(deal.type) || deal.retracted) return [];
  const c = compileDeal(deal);
  // A contribution counts only from its opening event's date, while the status at D is in force.
  if (c.openingDay > day || isEndedAt(c, day)) return [];
  const status = statusAt(c, day);
  if (status !== "announced" && status !== "completed") return [];
  const term = termAt(deal, c, day);
  if (term !== undefined && day >= addMonthsClamped(c.openingDay, term)) return [];
  const age = day - c.openingDay;
  return contributionsOf(deal, c, day).map((k) => ({
    ...k,
    weight: contributionWeight(k.valueUsd, age),
    openingDay: c.openingDay,
  }));
}

/** An edge's key in the aggregation: customer, supplier, layer. */
export const contributionKey = (k: Contribution): string =>
  `${k.customer}\u0000${k.supplier}\u0000${k.layer}`;

interface EdgeAcc {
  customer: string;
  supplier: string;
  layer: DependencyLayer;
  weight: number;
  total: number | null;
  firstSeen: number;
  deals: Set<string>;
}

/**
 * Adds a deal's contributions to the aggregation (capital stopped by control left out). Deals must come in
 * the state's deal order: weights are summed in floating point, and the order fixes the rounding.
 */
export function accumulate(
  acc: Map<string, EdgeAcc>,
  dealId: string,
  contributions: readonly WeightedContribution[],
  control: ControlAt,
): void {
  for (const k of contributions) {
    if (k.layer === "capital" && control.capitalStopped(k.customer, k.supplier, k.openingDay)) continue;
    const key = contributionKey(k);
    let e = acc.get(key);
    if (e === undefined) {
      e = {
        customer: k.customer,
        supplier: k.supplier,
        layer: k.layer,
        weight: 0,
        total: null,
        firstSeen: k.openingDay,
        deals: new Set(),
      };
      acc.set(key, e);
    }
    e.weight += k.weight;
    if (k.valueUsd !== null) e.total = (e.total ?? 0) + k.valueUsd;
    if (k.openingDay < e.firstSeen) e.firstSeen = k.openingDay;
    e.deals.add(dealId);
  }
}

/** The edge an aggregate makes (internal or not). */
export function edgeOf(e: EdgeAcc): EdgeAt {
  return {
    customer: e.customer,
    supplier: e.supplier,
    layer: e.layer,
    weight: e.weight,
    totalValueUsd: e.total,
    firstSeen: e.firstSeen,
    deals: [...e.deals].sort(),
  };
}

export type { EdgeAcc };

/**
 * Every edge in force at D (internal edges — both ends under one ultimate parent — left out), unsorted and
 * unrounded.
 */
export function edgesAt(state: DomainState, day: number, control: ControlAt): EdgeAt[] {
  const acc = new Map<string, EdgeAcc>();
  for (const deal of state.deals.values()) {
    if (!CONTRIBUTING.has(deal.type) || deal.retracted) continue;
    accumulate(acc, deal.dealId, dealContributionsAt(deal, day), control);
  }
  const edges: EdgeAt[] = [];
  for (const e of acc.values()) {
    if (control.ultimateParent(e.customer) === control.ultimateParent(e.supplier)) continue;
    edges.push(edgeOf(e));
  }
  return edges;
}
