import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import {
  type Client,
  ConflictError,
  type EventInput,
  StackledgerError,
  ValidationError,
} from "../client/index.js";

export interface ApiImportSummary {
  appended: number;
  alreadyPresent: number;
  failed: number;
  errors: string[];
}

export interface ApiImportOptions {
  /** Events per request (default 500, at most 1000). */
  readonly batchSize?: number;
  /** Bytes per request, under the server's body limit (default 512 KiB; the server's default limit is 1 MiB). */
  readonly batchBytes?: number;
  readonly onProgress?: (linesDone: number) => void;
}

// What an export line carries beyond the append shape: the server assigns these, so they are not sent.
const ASSIGNED_BY_THE_SERVER = ["streamId", "streamVersion", "position", "cursor", "recordedAt"];

/**
 * Imports an NDJSON file through the API (for users without database access), in file order, with the
 * client's safe retries. Idempotent for lines with ids, like the database import: a batch already stored
 * answers as a replay; a batch that fails goes again one event at a time so each bad line is reported.
 */
export async function importThroughApi(
  client: Client,
  file: string,
  options: ApiImportOptions = {},
): Promise<ApiImportSummary> {
  const summary: ApiImportSummary = { appended: 0, alreadyPresent: 0, failed: 0, errors: [] };
  const batchSize = Math.min(options.batchSize ?? 500, 1000);
  const batchBytes = options.batchBytes ?? 512 * 1024;
  let batch: { line: number; event: EventInput }[] = [];
  let bytes = 0;
  let lines = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    await appendBatch(client, batch, summary);
    batch = [];
    bytes = 0;
    options.onProgress?.(lines);
  };

  const reader = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of reader) {
    lines += 1;
    if (!text.trim()) continue;
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text);
    } catch (error) {
      fail(summary, lines, `malformed JSON: ${(error as Error).message}`);
      continue;
    }
    for (const key of ASSIGNED_BY_THE_SERVER) delete json[key];
    if (bytes + text.length > batchBytes) await flush();
    batch.push({ line: lines, event: json as EventInput });
    bytes += text.length;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}

async function appendBatch(
  client: Client,
  batch: { line: number; event: EventInput }[],
  summary: ApiImportSummary,
): Promise<void> {
  try {
    const result = await client.append(batch.map((b) => b.event));
    if (result.replayed) summary.alreadyPresent += batch.length;
    else summary.appended += batch.length;
    return;
  } catch (error) {
    if (!isRefusal(error)) throw error;
  }
  // Part of the batch was already there, or one line breaks a rule: go one by one.
  for (const { line, event } of batch) {
    try {
      const result = await client.append(event);
      if (result.replayed) summary.alreadyPresent += 1;
      else summary.appended += 1;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      fail(summary, line, describe(error));
    }
  }
}

/** A 4xx about the content (not credentials, which no line can fix): the line is reported, the import goes on. */
function isRefusal(error: unknown): error is StackledgerError {
  return error instanceof StackledgerError && [400, 409, 413, 422].includes(error.status);
}

function describe(error: StackledgerError): string {
  if (error instanceof ValidationError && error.errors.length > 0) {
    return error.errors
      .map((issue) => `${issue.path.replace(/^events\.0\.?/, "")}: ${issue.message}`)
      .join("; ");
  }
  return `${error instanceof ConflictError ? "conflict: " : ""}${error.message}`;
}

function fail(summary: ApiImportSummary, line: number, message: string) {
  summary.failed += 1;
  if (summary.errors.length < 100) summary.errors.push(`line ${line}: ${message}`);
}
