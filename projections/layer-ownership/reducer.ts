/**
 * Layer ownership: which company holds which stack layer, directly or through the entities it controls.
 */
import { domainReducer } from "../../src/domain/index.js";

export const layerOwnershipReducer = domainReducer("layer-ownership", 1);
