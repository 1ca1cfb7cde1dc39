/**
 * Integration ranking: ultimate parents scored on how much of the stack they hold.
 */
import { domainReducer } from "../../src/domain/index.js";

export const integrationRankingReducer = domainReducer("integration-ranking", 1);
