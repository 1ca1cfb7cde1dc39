import { dealRecords } from "./deal-records/definition.js";
import { dependencyGraph } from "./dependency-graph/definition.js";
import { integrationRanking } from "./integration-ranking/definition.js";
import { layerOwnership } from "./layer-ownership/definition.js";

/** The registry the composition root hands to the projector and the views. */
export const PROJECTIONS = [layerOwnership, dependencyGraph, integrationRanking, dealRecords] as const;

export { dealRecords, dependencyGraph, integrationRanking, layerOwnership };
