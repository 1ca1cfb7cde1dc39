// Types of deals.js (plain JS so that the browser loads the very module the server renders with).
import type { ViewState } from "./render.js";

export interface DealFilters {
  readonly q?: string;
  readonly type?: string;
  readonly status?: string;
  readonly layer?: string;
  readonly company?: string;
  readonly from?: string;
  readonly to?: string;
  readonly minValueUsd?: string;
  readonly sort?: string;
}

export declare const DEAL_TYPES: readonly string[];
export declare const DEAL_STATUSES: readonly string[];
export declare const DEAL_LAYERS: readonly string[];
export declare const DEAL_FILTERS: readonly (keyof DealFilters)[];
export declare function typeLabel(type: string): string;
export declare function dealsQuery(
  state: ViewState,
  filters: DealFilters,
  extra?: Record<string, string>,
): string;
export declare function formatValue(value: unknown): string;
export declare function renderDeals(
  body: { deals: readonly unknown[]; next?: string },
  state?: ViewState,
  filters?: DealFilters,
): string;
export declare function renderDeal(body: unknown, state?: ViewState): string;
export declare function renderDealFilters(filters?: DealFilters): string;
