import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { SingleBar } from "cli-progress";
import type { Config } from "../config.js";
import { checkLogHorizon } from "../event-log/check-log-horizon.js";
import { decodeCursor, encodeCursor, START } from "../event-log/cursor.js";
import { EventLogError } from "../event-log/errors.js";
import { countExport, exportLog } from "../event-log/export-log.js";
import { describeLogState } from "../event-log/watch-log-horizon.js";
import { openRuntime } from "../serve.js";

export interface ExportArgs {
  readonly after?: string;
  readonly output?: string;
}

/**
 * `stackledger export [--after CURSOR] [--output FILE]`: NDJSON in delivery order to the file or stdout;
 * the progress bar and the closing summary (with the cursor to continue from) go to stderr.
 */
export async function runExport(config: Config, args: ExportArgs): Promise<number> {
  const runtime = await openRuntime(config);
  try {
    const horizon = await checkLogHorizon(runtime.handle.db);
    if (horizon.ahead) {
      console.error(`stackledger export refused: ${describeLogState({ status: "ahead", horizon })}`);
      return 1;
    }
    let after = START;
    try {
      if (args.after) after = decodeCursor(runtime.logId, args.after, "--after");
    } catch (error) {
      if (!(error instanceof EventLogError)) throw error;
      console.error(`stackledger export: ${error.message}`);
      return 2;
    }
    const total = await countExport(runtime.handle.db, after);
    const out = args.output ? createWriteStream(args.output) : process.stdout;
    const bar = new SingleBar({
      format: "exporting [{bar}] {value}/{total} events | {eta_formatted} left",
      noTTYOutput: true,
      notTTYSchedule: 1000,
      stream: process.stderr,
    });
    bar.start(total, 0);
    const began = performance.now();
    let count = 0;
    let last = after;
    for await (const { at, ...record } of exportLog(runtime.handle.db, { after })) {
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, "drain");
      count += 1;
      last = at;
      if (count % 1000 === 0) bar.update(count);
    }
    bar.update(count);
    bar.stop();
    if (out !== process.stdout) {
      out.end();
      await once(out, "finish");
    }
    const seconds = (performance.now() - began) / 1000;
    console.error(
      `exported ${count} events in ${seconds.toFixed(1)} s (${Math.round(count / Math.max(seconds, 0.001))} events/s); ` +
        `continue with --after ${encodeCursor(runtime.logId, last)}`,
    );
    return 0;
  } finally {
    await runtime.handle.close();
  }
}
