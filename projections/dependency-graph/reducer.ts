/**
 * Dependency graph: who depends on whom for which layer, weighted by value and recency.
 */
import { domainReducer } from "../../src/domain/index.js";

export const dependencyGraphReducer = domainReducer("dependency-graph", 1);
