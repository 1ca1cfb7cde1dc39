import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { parseEventInput } from "../events/index.js";
import { appendEvents, type NewEvent } from "./append-events.js";
import { ConflictError, EventLogError } from "./errors.js";

export interface ImportSummary {
  appended: number;
  alreadyPresent: number;
  failed: number;
  errors: string[];
}

export interface ImportOptions {
  readonly logId: string;
  readonly batchSize?: number;
  readonly actor?: string;
  /** Called after each batch with the lines handled so far. */
  readonly onProgress?: (linesDone: number) => void;
  /** Called after each batch that wrote something. */
  readonly onAppended?: () => void;
}

/**
 * Imports an NDJSON file of events (the `POST /v1/events` event shape, one per line) in batches, in file
 * order. Idempotent for events with ids: a re-import appends nothing. A batch that fails is retried one
 * event at a time so that one bad line does not hold back the others; every failure is reported.
 */
export async function importEvents(
  db: Kysely<Database>,
  file: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = { appended: 0, alreadyPresent: 0, failed: 0, errors: [] };
  const batchSize = options.batchSize ?? 500;
  let batch: { line: number; event: NewEvent }[] = [];
  let lines = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    await appendBatch(db, batch, options, summary);
    batch = [];
    options.onProgress?.(lines);
  };

  const reader = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of reader) {
    lines += 1;
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      fail(summary, lines, `malformed JSON: ${(error as Error).message}`);
      continue;
    }
    const parsed = parseEventInput(json);
    if (!parsed.success) {
      fail(summary, lines, parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
      continue;
    }
    batch.push({ line: lines, event: parsed.event as NewEvent });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}

async function appendBatch(
  db: Kysely<Database>,
  batch: { line: number; event: NewEvent }[],
  options: ImportOptions,
  summary: ImportSummary,
): Promise<void> {
  const context = { logId: options.logId, actor: options.actor ?? "import" };
  try {
    const result = await appendEvents(
      db,
      batch.map((b) => b.event),
      context,
    );
    if (result.replayed) summary.alreadyPresent += batch.length;
    else {
      summary.appended += batch.length;
      options.onAppended?.();
    }
    return;
  } catch (error) {
    if (!(error instanceof EventLogError)) throw error;
  }
  // Part of the batch was already there, or one line breaks a rule: go one by one.
  for (const { line, event } of batch) {
    try {
      const result = await appendEvents(db, [event], context);
      if (result.replayed) summary.alreadyPresent += 1;
      else {
        summary.appended += 1;
        options.onAppended?.();
      }
    } catch (error) {
      if (!(error instanceof EventLogError)) throw error;
      fail(summary, line, `${error instanceof ConflictError ? "conflict: " : ""}${error.message}`);
    }
  }
}

function fail(summary: ImportSummary, line: number, message: string) {
  summary.failed += 1;
  if (summary.errors.length < 100) summary.errors.push(`line ${line}: ${message}`);
}
