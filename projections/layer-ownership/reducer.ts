/**
 * Layer ownership: which company holds which stack layer, directly or through the entities it controls.
 */
import {
  applyEvent,
  createDomainState,
  type DomainState,
  type ProjectionReducer,
} from "../../src/domain/index.js";

export const LAYER_OWNERSHIP_EVENT_TYPES = [
  "CompanyRegistered",
  "CompanyUpdated",
  "AcquisitionReported",
  "StakeChangeReported",
  "ComputeDealReported",
  "ChipLaunchReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
  "DealStatusChanged",
  "DealAmended",
  "DealEnded",
  "DealCorrected",
  "DealRetracted",
] as const;

export const layerOwnershipReducer: ProjectionReducer<DomainState> = {
  name: "layer-ownership",
  version: 1,
  eventTypes: LAYER_OWNERSHIP_EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
};
