/**
 * Dependency graph: who depends on whom for which layer, weighted by value and recency.
 */
import {
  applyEvent,
  createDomainState,
  type DomainState,
  type ProjectionReducer,
} from "../../src/domain/index.js";

export const DEPENDENCY_GRAPH_EVENT_TYPES = [
  "FundingRoundReported",
  "AcquisitionReported",
  "StakeChangeReported",
  "PartnershipReported",
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
  "DealStatusChanged",
  "DealAmended",
  "DealEnded",
  "DealCorrected",
  "DealRetracted",
] as const;

export const dependencyGraphReducer: ProjectionReducer<DomainState> = {
  name: "dependency-graph",
  version: 1,
  eventTypes: DEPENDENCY_GRAPH_EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
};
