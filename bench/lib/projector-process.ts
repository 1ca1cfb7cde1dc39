/**
 * The projector as its own process, the way `stackledger project` runs it (openRuntime: pool of 10,
 * migrations, the pg_notify wake-up; createProjector with the PROJECTIONS registry and the database URL
 * for the leases), except for a fixed clock (`BENCH_CLOCK`, an ISO timestamp) so that "today" does not
 * depend on when the benchmark runs. The parent samples this process's memory from /proc/<pid>/status.
 * SIGTERM stops the runners, closes the pool and exits normally (so that --cpu-prof writes its profile).
 */
import { PROJECTIONS } from "../../projections/index.js";
import { readConfig } from "../../src/config.js";
import { createProjector } from "../../src/projector/create-projector.js";
import { openRuntime } from "../../src/serve.js";

const clockIso = process.env.BENCH_CLOCK;
if (!clockIso || Number.isNaN(Date.parse(clockIso))) throw new Error("BENCH_CLOCK must be an ISO timestamp");
const now = new Date(clockIso);

const config = readConfig(process.env);
if (!config.databaseUrl) throw new Error("DATABASE_URL must be set");
const runtime = await openRuntime(config);
const projector = createProjector({
  db: runtime.handle.db,
  logId: runtime.logId,
  projections: PROJECTIONS,
  databaseUrl: config.databaseUrl,
  wakeUp: runtime.wakeUp,
  clock: () => now,
  log: (message) => console.log(`projector: ${message}`),
});

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await projector.stop();
    await runtime.handle.close();
    process.exit(0);
  })();
});
