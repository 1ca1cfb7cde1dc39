/**
 * Compile-time proof that the catalog's zod-inferred event types fit the structural types the domain reads.
 * No runtime code: if `src/events` changes a field the projections depend on, `tsc` fails here.
 */
import type * as Events from "../events/index.js";
import type * as Domain from "./event-types.js";

type Fits<Actual extends Expected, Expected> = Actual;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type EventTypeChecks = [
  Assert<Same<Events.Layer, Domain.StackLayer>>,
  Assert<Same<Events.DependencyLayer, Domain.DependencyLayer>>,
  Assert<Same<Events.Status, Domain.DealStatus>>,
  Assert<Same<Events.OpeningEventType, Domain.OpeningType>>,
  Assert<Same<Events.LifecycleEventType, Domain.LifecycleType>>,
  Fits<Events.Money, Domain.Money>,
  Fits<Events.CompanyRegistered, Domain.CompanyRegisteredData>,
  Fits<Events.CompanyUpdated, Domain.CompanyUpdatedData>,
  Fits<Events.FundingRoundReported, Domain.FundingRoundData>,
  Fits<Events.AcquisitionReported, Domain.AcquisitionData>,
  Fits<Events.StakeChangeReported, Domain.StakeChangeData>,
  Fits<Events.PartnershipReported, Domain.PartnershipData>,
  Fits<Events.ComputeDealReported, Domain.ComputeDealData>,
  Fits<Events.SupplyDealReported, Domain.SupplyDealData>,
  Fits<Events.LicenseDealReported, Domain.LicenseDealData>,
  Fits<Events.ChipLaunchReported, Domain.ChipLaunchData>,
  Fits<Events.ModelReleaseReported, Domain.ModelReleaseData>,
  Fits<Events.ProductLaunchReported, Domain.ProductLaunchData>,
  Fits<Events.GovernanceEventReported, Domain.GovernanceEventData>,
  Fits<Events.DealStatusChanged, Domain.DealStatusChangedData>,
  Fits<Events.DealAmended, Domain.DealAmendedData>,
  Fits<Events.DealCorrected, Domain.DealCorrectedData>,
];
