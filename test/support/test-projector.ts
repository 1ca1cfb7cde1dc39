import { PROJECTIONS } from "../../projections/index.js";
import { createProjector, type Projector } from "../../src/projector/create-projector.js";
import type { TestDatabase } from "./test-database.js";

/** The four projections' projector on a test database, polling every 50 ms, quiet. */
export function startTestProjector(database: TestDatabase): Projector {
  return createProjector({
    db: database.handle.db,
    logId: database.logId,
    projections: PROJECTIONS,
    databaseUrl: database.url,
    pollMs: 50,
    log: () => {},
  });
}
