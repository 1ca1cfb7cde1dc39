/**
 * Minimal structural types for the event data the domain reads.
 *
 * They describe only what the projections read, deliberately loose (fields the fold does not need are absent),
 * so the zod-inferred types of `src/events` are assignable to them; `event-types-check.ts` proves it at compile
 * time, so a change of a field the projections use fails the type check.
 */

import { COMPANY_EVENT_TYPES, LIFECYCLE_EVENT_TYPES, OPENING_EVENT_TYPES } from "../events/index.js";

/** The stack layers, in stack order. */
export const STACK_LAYERS = ["hardware", "compute", "model", "application"] as const;
export type StackLayer = (typeof STACK_LAYERS)[number];
export type DependencyLayer = StackLayer | "capital" | "energy";

export type DealStatus = "rumored" | "reported" | "announced" | "completed" | "cancelled" | "blocked";

/** `YYYY`, `YYYY-H1`, `YYYY-Q3`, `YYYY-MM` or `YYYY-MM-DD`. */
export type PartialDate = string;

export interface Money {
  readonly usd: number;
  readonly per?: "total" | "month" | "year" | undefined;
  readonly estimated?: boolean | undefined;
}

/**
 * An event as the log delivers it. `position` is for people and cursors; ordering inside the domain uses the
 * delivery order of the events given to the fold (log order is `(xid, position)`, not numeric position).
 */
export interface RecordedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly position: number;
  /** ISO timestamp assigned by the server; an undated fact takes effect on its UTC day. */
  readonly recordedAt: string;
}

export interface CompanyRegisteredData {
  readonly companyId: string;
  readonly name: string;
  readonly layers?: ReadonlyArray<{ readonly layer: StackLayer; readonly since?: PartialDate | undefined }>;
}

export interface CompanyUpdatedData {
  readonly companyId: string;
  readonly name?: string | undefined;
}

export interface ReportedCommonData {
  readonly dealId: string;
  readonly status: DealStatus;
  readonly occurredOn?: PartialDate | undefined;
}

export interface FundingRoundData extends ReportedCommonData {
  readonly investee: string;
  readonly amount?: Money | undefined;
  readonly investors: ReadonlyArray<{ readonly companyId: string; readonly amount?: Money | undefined }>;
}

export interface AcquisitionData extends ReportedCommonData {
  readonly acquirer: string;
  readonly target: string;
  readonly percentAcquired?: number | undefined;
}

export interface StakeChangeData extends ReportedCommonData {
  readonly holder: string;
  readonly entity: string;
  readonly percentAfter?: number | undefined;
  readonly control?: boolean | undefined;
  readonly consideration?: Money | undefined;
}

export interface PartnershipData extends ReportedCommonData {
  readonly partners: readonly string[];
  readonly dependency?:
    | { readonly customer: string; readonly supplier: string; readonly layer: DependencyLayer }
    | undefined;
  readonly amount?: Money | undefined;
  readonly termMonths?: number | undefined;
}

export interface ComputeDealData extends ReportedCommonData {
  readonly customer: string;
  readonly provider: string;
  readonly amount?: Money | undefined;
  readonly termMonths?: number | undefined;
  readonly acceleratorDesigner?: string | undefined;
}

export interface SupplyDealData extends ReportedCommonData {
  readonly customer: string;
  readonly supplier: string;
  readonly layer: "hardware" | "energy";
  readonly amount?: Money | undefined;
  readonly termMonths?: number | undefined;
}

export interface LicenseDealData extends ReportedCommonData {
  readonly licensee: string;
  readonly licensor: string;
  readonly layer?: StackLayer | undefined;
  readonly amount?: Money | undefined;
}

export interface ChipLaunchData extends ReportedCommonData {
  readonly designer: string;
  readonly manufacturer?: string | undefined;
  readonly designPartner?: string | undefined;
}

export interface ModelReleaseData extends ReportedCommonData {
  readonly developer: string;
  readonly baseModel?: { readonly name: string; readonly developer?: string | undefined } | undefined;
}

export interface ProductLaunchData extends ReportedCommonData {
  readonly owner: string;
  readonly layer: "application" | "compute";
  readonly hostedOn?: readonly string[] | undefined;
}

export interface GovernanceEventData extends ReportedCommonData {
  readonly subjects: readonly string[];
}

export interface LifecycleCommonData {
  readonly dealId: string;
  readonly occurredOn?: PartialDate | undefined;
}

export interface DealStatusChangedData extends LifecycleCommonData {
  readonly status: DealStatus;
}

export interface DealAmendedData extends LifecycleCommonData {
  readonly changes: Readonly<Record<string, unknown>>;
}

export interface DealCorrectedData extends LifecycleCommonData {
  readonly correctsEventId: string;
  readonly changes: Readonly<Record<string, unknown>>;
}

// The type lists are the catalog's own (src/events), not copies.
export const OPENING_TYPES = OPENING_EVENT_TYPES;
export type OpeningType = (typeof OPENING_TYPES)[number];
export const LIFECYCLE_TYPES = LIFECYCLE_EVENT_TYPES;
export type LifecycleType = (typeof LIFECYCLE_TYPES)[number];
export const COMPANY_TYPES = COMPANY_EVENT_TYPES;
