import type { z } from "zod";
import { AcquisitionReported, FundingRoundReported, StakeChangeReported } from "./capital-deals.js";
import { CompanyRegistered, CompanyUpdated } from "./company-events.js";
import { GovernanceEventReported } from "./governance-event.js";
import { ChipLaunchReported, ModelReleaseReported, ProductLaunchReported } from "./launches.js";
import {
  DealAmended,
  DealCorrected,
  DealEnded,
  DealRetracted,
  DealStatusChanged,
} from "./lifecycle-events.js";
import {
  ComputeDealReported,
  LicenseDealReported,
  PartnershipReported,
  SupplyDealReported,
} from "./relationship-deals.js";

export const COMPANY_EVENT_TYPES = ["CompanyRegistered", "CompanyUpdated"] as const;

/** The events that open a deal stream; exactly one begins each `deal-{dealId}` stream. */
export const OPENING_EVENT_TYPES = [
  "FundingRoundReported",
  "AcquisitionReported",
  "StakeChangeReported",
  "PartnershipReported",
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "ChipLaunchReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
  "GovernanceEventReported",
] as const;

export const LIFECYCLE_EVENT_TYPES = [
  "DealStatusChanged",
  "DealAmended",
  "DealEnded",
  "DealCorrected",
  "DealRetracted",
] as const;

export const EVENT_TYPES = [
  ...COMPANY_EVENT_TYPES,
  ...OPENING_EVENT_TYPES,
  ...LIFECYCLE_EVENT_TYPES,
] as const;

export type CompanyEventType = (typeof COMPANY_EVENT_TYPES)[number];
export type OpeningEventType = (typeof OPENING_EVENT_TYPES)[number];
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

/** The schema of each event type's `data`; `satisfies` keeps it in step with `EVENT_TYPES`. */
export const eventDataSchemas = {
  CompanyRegistered,
  CompanyUpdated,
  FundingRoundReported,
  AcquisitionReported,
  StakeChangeReported,
  PartnershipReported,
  ComputeDealReported,
  SupplyDealReported,
  LicenseDealReported,
  ChipLaunchReported,
  ModelReleaseReported,
  ProductLaunchReported,
  GovernanceEventReported,
  DealStatusChanged,
  DealAmended,
  DealEnded,
  DealCorrected,
  DealRetracted,
} as const satisfies { readonly [K in EventType]: z.ZodType };

export type EventDataByType = { [K in EventType]: z.infer<(typeof eventDataSchemas)[K]> };

/** An event as the domain sees it; narrow on `type` to get its data. */
export type DomainEvent<K extends EventType = EventType> = {
  [T in K]: { type: T; data: EventDataByType[T] };
}[K];
export type CompanyEvent = DomainEvent<CompanyEventType>;
export type OpeningEvent = DomainEvent<OpeningEventType>;
export type LifecycleEvent = DomainEvent<LifecycleEventType>;

const includes = (list: readonly string[], value: unknown): boolean =>
  typeof value === "string" && list.includes(value);

export const isEventType = (value: unknown): value is EventType => includes(EVENT_TYPES, value);
export const isCompanyEventType = (value: unknown): value is CompanyEventType =>
  includes(COMPANY_EVENT_TYPES, value);
export const isOpeningEventType = (value: unknown): value is OpeningEventType =>
  includes(OPENING_EVENT_TYPES, value);
export const isLifecycleEventType = (value: unknown): value is LifecycleEventType =>
  includes(LIFECYCLE_EVENT_TYPES, value);

export const isCompanyEvent = (event: DomainEvent): event is CompanyEvent => isCompanyEventType(event.type);
export const isOpeningEvent = (event: DomainEvent): event is OpeningEvent => isOpeningEventType(event.type);
export const isLifecycleEvent = (event: DomainEvent): event is LifecycleEvent =>
  isLifecycleEventType(event.type);

/**
 * How the log treats an event: `register` may happen once per company, `company` needs a registered
 * company, `open` must begin its deal stream, `life` must follow an opening.
 */
export type EventKind = "register" | "company" | "open" | "life";

export const eventKind = (type: EventType): EventKind => {
  if (type === "CompanyRegistered") return "register";
  if (type === "CompanyUpdated") return "company";
  return isOpeningEventType(type) ? "open" : "life";
};

export const companyStreamId = (companyId: string): string => `company-${companyId}`;
export const dealStreamId = (dealId: string): string => `deal-${dealId}`;

/** `company-{companyId}` for company events, `deal-{dealId}` for everything else. */
export const streamIdOf = (event: DomainEvent): string =>
  isCompanyEvent(event) ? companyStreamId(event.data.companyId) : dealStreamId(event.data.dealId);
