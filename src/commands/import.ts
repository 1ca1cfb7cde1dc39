import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { SingleBar } from "cli-progress";
import type { Config } from "../config.js";
import { isExportedLine } from "../event-log/exported-event.js";
import { importEvents } from "../event-log/import-events.js";
import { ImportStoppedError, importLog } from "../event-log/import-log.js";
import { openRuntime } from "../serve.js";

// Progress also shows (once a second) when the output is a log file or a pipe, not only on a terminal.
const BAR_OPTIONS = { noTTYOutput: true, notTTYSchedule: 1000 } as const;

/**
 * `stackledger import FILE`: a `stackledger export` file is imported as a log (ids, order, recorded time
 * and actor kept; resumable; waits out database outages); a plain file of events (the demo data format)
 * is appended as before.
 */
export async function runImport(config: Config, file: string, batchSize?: number): Promise<number> {
  // The database first: an embedded folder another process holds is refused before anything else.
  const runtime = await openRuntime(config);
  let inspected: { total: number; exported: boolean };
  try {
    inspected = await inspect(file);
  } catch (error) {
    await runtime.handle.close();
    console.error(`stackledger import: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const { total, exported } = inspected;
  const bar = new SingleBar({
    format: "importing [{bar}] {value}/{total} lines | {eta_formatted} left",
    ...BAR_OPTIONS,
  });
  bar.start(total, 0);
  try {
    if (exported) {
      const began = performance.now();
      try {
        const summary = await importLog(runtime.handle.db, file, {
          logId: runtime.logId,
          batchSize,
          onProgress: (done) => bar.update(done),
          onAppended: () => runtime.wakeUp.signal(),
          onRetry: (error, delay) =>
            console.error(
              `\nstackledger import: database unavailable (${error.message}); retrying in ${delay} ms`,
            ),
        });
        bar.update(total);
        bar.stop();
        const seconds = (performance.now() - began) / 1000;
        console.log(
          `imported the log: appended ${summary.appended}, already present ${summary.alreadyPresent}` +
            `${summary.retries ? `, ${summary.retries} retries through database outages` : ""} in ${seconds.toFixed(1)} s ` +
            `(${Math.round(summary.appended / Math.max(seconds, 0.001))} events/s)`,
        );
        return 0;
      } catch (error) {
        bar.stop();
        if (!(error instanceof ImportStoppedError)) throw error;
        console.error(`stackledger import stopped: ${error.message}`);
        return 1;
      }
    }
    const summary = await importEvents(runtime.handle.db, file, {
      logId: runtime.logId,
      batchSize,
      onProgress: (done) => bar.update(done),
      onAppended: () => runtime.wakeUp.signal(),
    });
    bar.update(total);
    bar.stop();
    console.log(
      `appended ${summary.appended}, already present ${summary.alreadyPresent}, failed ${summary.failed}`,
    );
    for (const error of summary.errors) console.log(`  ${error}`);
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await runtime.handle.close();
  }
}

/** Counts the non-empty lines and tells an export file (its first record has `recordedAt`) from plain events. */
async function inspect(file: string): Promise<{ total: number; exported: boolean }> {
  let total = 0;
  let exported: boolean | undefined;
  const reader = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of reader) {
    if (!text.trim()) continue;
    total += 1;
    if (exported === undefined) {
      try {
        exported = isExportedLine(JSON.parse(text));
      } catch {
        exported = false;
      }
    }
  }
  return { total, exported: exported ?? false };
}
