import { SingleBar } from "cli-progress";
import { sql } from "kysely";
import type { Config } from "../config.js";
import { RepairRefusedError, repairLog } from "../event-log/repair-log.js";
import { openRuntime } from "../serve.js";

/** `stackledger repair`: repairs a log restored logically into a younger cluster (see repair-log). */
export async function runRepair(config: Config, { newLogId = false } = {}): Promise<number> {
  const runtime = await openRuntime(config);
  const bar = new SingleBar({
    format: "repairing [{bar}] {value}/{total} rows | {eta_formatted} left",
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  let started = false;
  try {
    const began = performance.now();
    const result = await repairLog(runtime.handle.db, {
      renewLogId: newLogId,
      onProgress: (done, total) => {
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    if (started) bar.stop();
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    if (result.events === 0 && result.viewChanges === 0) {
      console.log(
        `new log id ${result.newLogId.slice(0, 12)} (was ${result.oldLogId.slice(0, 12)}) in ${seconds} s: ` +
          "the stored ids were already below the horizon; earlier cursors answer 410, clients re-sync from start",
      );
    } else
      console.log(
        [
          `repaired in ${seconds} s: ${result.events} events and ${result.viewChanges} view changes rewritten below the horizon`,
          `  stored xids were up to ${result.highestXidBefore}; this cluster's next xid was ${result.clusterNextXid}`,
          `  ${result.xidsBefore} distinct xids became ${result.xidsAfter} (same delivery order)` +
            (result.burned > 0 ? `; ${result.burned} transaction ids burned to make room` : ""),
          `  new log id ${result.newLogId.slice(0, 12)} (was ${result.oldLogId.slice(0, 12)}): earlier cursors answer 410, clients re-sync from start`,
          `  projections marked for rebuild: ${result.projections.join(", ") || "(none yet)"}`,
        ].join("\n"),
      );
    const others = await otherProcesses(runtime.handle.kind === "postgres" ? runtime : undefined);
    if (others > 0) {
      console.log(
        `  ${others} other stackledger connection(s) are open: restart those processes (they hold the old log id)`,
      );
    }
    return 0;
  } catch (error) {
    if (started) bar.stop();
    if (!(error instanceof RepairRefusedError)) throw error;
    console.error(`stackledger repair refused: ${error.message}`);
    return 1;
  } finally {
    await runtime.handle.close();
  }
}

async function otherProcesses(runtime: Awaited<ReturnType<typeof openRuntime>> | undefined): Promise<number> {
  if (!runtime) return 0;
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity
     where datname = current_database() and application_name = 'stackledger' and pid <> pg_backend_pid()`.execute(
    runtime.handle.db,
  );
  return rows[0]?.n ?? 0;
}
