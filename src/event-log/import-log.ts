import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { type Kysely, sql } from "kysely";
import { isDatabaseUnavailable } from "../db/database-unavailable.js";
import type { Database } from "../db/schema.js";
import { parseEventInput } from "../events/index.js";
import { appendEvents, type NewEvent } from "./append-events.js";
import { EventLogError } from "./errors.js";
import { ExportedEvent } from "./exported-event.js";

export interface ImportLogSummary {
  appended: number;
  alreadyPresent: number;
  /** Database outages waited out (a batch retried with the same ids). */
  retries: number;
}

export interface ImportLogOptions {
  readonly logId: string;
  readonly batchSize?: number;
  /** How long one batch keeps retrying through a database outage before the import gives up (default 10 min). */
  readonly retryForMs?: number;
  /** Called after each batch with the lines handled so far. */
  readonly onProgress?: (linesDone: number) => void;
  /** Called after each batch that wrote something. */
  readonly onAppended?: () => void;
  /** Called before waiting out an outage. */
  readonly onRetry?: (error: Error, delayMs: number) => void;
}

/** A line the import cannot take: it stops there, since skipping a line would build another history. */
export class ImportStoppedError extends Error {
  override name = "ImportStoppedError";
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason} (lines before it are imported; nothing after it was)`);
  }
}

interface Line {
  readonly line: number;
  readonly record: ExportedEvent;
  readonly event: NewEvent;
}

/**
 * Imports a `stackledger export` file: the same ids in the same delivery order (one transaction per batch,
 * in file order, so `(xid, position)` follows the file), with the recorded time and actor of the source.
 * Idempotent and resumable: ids already stored are skipped before each batch, so a re-run after a crash or
 * a kill continues where the last committed batch ended. A batch that fails because the database went away
 * is retried with the same ids after a backoff (its commit may have happened: the skip finds out).
 */
export async function importLog(
  db: Kysely<Database>,
  file: string,
  options: ImportLogOptions,
): Promise<ImportLogSummary> {
  const summary: ImportLogSummary = { appended: 0, alreadyPresent: 0, retries: 0 };
  const batchSize = options.batchSize ?? 1000;
  let batch: Line[] = [];
  let lines = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    await withRetry(() => importBatch(db, current, options, summary), options, summary);
    options.onProgress?.(lines);
  };

  const reader = createInterface({
    input: createReadStream(file, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of reader) {
    lines += 1;
    if (!text.trim()) continue;
    batch.push(parseLine(lines, text));
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}

function parseLine(line: number, text: string): Line {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ImportStoppedError(line, `malformed JSON: ${(error as Error).message}`);
  }
  const record = ExportedEvent.safeParse(json);
  if (!record.success) {
    throw new ImportStoppedError(
      line,
      record.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  }
  const { id, type, data, metadata } = record.data;
  const parsed = parseEventInput(metadata === undefined ? { id, type, data } : { id, type, data, metadata });
  if (!parsed.success) {
    throw new ImportStoppedError(line, parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
  return { line, record: record.data, event: parsed.event as NewEvent };
}

async function importBatch(
  db: Kysely<Database>,
  batch: readonly Line[],
  options: ImportLogOptions,
  summary: ImportLogSummary,
): Promise<void> {
  // What an earlier run (or this batch's earlier try, whose commit we never heard of) already stored.
  const { rows } = await sql<{ event_id: string }>`
    select event_id from events where event_id = any(${batch.map((b) => b.record.id)}::uuid[])`.execute(db);
  const stored = new Set(rows.map((row) => row.event_id));
  const todo = batch.filter((b) => !stored.has(b.record.id));
  if (todo.length === 0) {
    summary.alreadyPresent += batch.length;
    return;
  }
  await db.transaction().execute(async (trx) => {
    let result: Awaited<ReturnType<typeof appendEvents>>;
    try {
      result = await appendEvents(
        trx,
        todo.map((b) => b.event),
        { logId: options.logId },
      );
    } catch (error) {
      if (!(error instanceof EventLogError)) throw error;
      throw new ImportStoppedError(
        todo[0]?.line ?? 0,
        `the batch starting here was refused: ${error.message}`,
      );
    }
    result.events.forEach((appended, index) => {
      const expected = todo[index];
      if (expected && appended.streamVersion !== expected.record.streamVersion) {
        throw new ImportStoppedError(
          expected.line,
          `${expected.record.streamId} would get version ${appended.streamVersion}, the file says ` +
            `${expected.record.streamVersion}: this database holds another history of that stream`,
        );
      }
    });
    // The source's recorded time and actor, written in the transaction that inserted the rows (an append
    // through the API always gets the server's time; only an import restores the source's).
    await sql`
      update events as e set recorded_at = s.recorded_at, actor = s.actor
        from unnest(${todo.map((b) => b.record.id)}::uuid[], ${todo.map((b) => b.record.recordedAt)}::timestamptz[],
                    ${todo.map((b) => b.record.actor)}::text[]) as s(event_id, recorded_at, actor)
       where e.event_id = s.event_id and e.xid = pg_current_xact_id()`.execute(trx);
  });
  summary.appended += todo.length;
  summary.alreadyPresent += batch.length - todo.length;
  options.onAppended?.();
}

/** SQLSTATE classes of a database that is away or going away: connection (08), shutdown (57P), resources (53). */
function isOutage(error: unknown): boolean {
  if (error instanceof ImportStoppedError) return false;
  // The append's own answers for an outage: nothing sent (database-unavailable) or the outcome unknown;
  // both are safe to retry with the same ids.
  if (error instanceof EventLogError) return error.status === 503;
  return isDatabaseUnavailable(error);
}

async function withRetry(
  attempt: () => Promise<void>,
  options: ImportLogOptions,
  summary: ImportLogSummary,
): Promise<void> {
  const deadline = Date.now() + (options.retryForMs ?? 600_000);
  for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isOutage(error) || Date.now() > deadline) throw error;
      const wait = Math.round(delay * (0.5 + Math.random()));
      summary.retries += 1;
      options.onRetry?.(error as Error, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
