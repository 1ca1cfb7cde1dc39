import { readFile } from "node:fs/promises";
import { SingleBar } from "cli-progress";
import { createClient } from "../client/index.js";
import { importThroughApi } from "./import-through-api.js";

export interface ImportUrlOptions {
  readonly url: string;
  readonly file: string;
  /** A token with the append scope (`--token`, else `STACKLEDGER_TOKEN`). */
  readonly token?: string;
  readonly batchSize?: number;
}

/** `stackledger import --url URL file.ndjson`: the import through a running server's API. Answers the exit code. */
export async function importUrlCommand(options: ImportUrlOptions): Promise<number> {
  const total = (await readFile(options.file, "utf8")).split("\n").filter((line) => line.trim()).length;
  const bar = new SingleBar({
    format: "importing [{bar}] {value}/{total} lines | {eta_formatted} left",
    // Progress also shows (once a second) when the output is a log file or a pipe.
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  bar.start(total, 0);
  const client = createClient({ url: options.url, token: options.token });
  try {
    const summary = await importThroughApi(client, options.file, {
      batchSize: options.batchSize,
      onProgress: (done) => bar.update(Math.min(done, total)),
    });
    bar.update(total);
    bar.stop();
    console.log(
      `appended ${summary.appended}, already present ${summary.alreadyPresent}, failed ${summary.failed}`,
    );
    for (const error of summary.errors) console.log(`  ${error}`);
    return summary.failed > 0 ? 1 : 0;
  } catch (error) {
    bar.stop();
    console.error(`stackledger: import stopped: ${(error as Error).message}`);
    return 1;
  }
}
