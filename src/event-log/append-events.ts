import { randomUUID } from "node:crypto";
import { CompiledQuery, type Kysely } from "kysely";
import type pg from "pg";
import { type CheckoutPool, postgresPoolOf } from "../db/connect.js";
import { isDatabaseUnavailable } from "../db/database-unavailable.js";
import type { Database } from "../db/schema.js";
import { type DomainEvent, eventKind, referencedCompanyIds, streamIdOf } from "../events/index.js";
import { checkDealChanges } from "./check-deal-changes.js";
import { encodeCursor } from "./cursor.js";
import {
  ConflictError,
  DatabaseUnavailableError,
  OutcomeUnknownError,
  UnknownReferenceError,
} from "./errors.js";

export type ExpectedVersion = "any" | "no_stream" | "stream_exists" | number;

/** One event to append, already validated against the catalog. */
export type NewEvent = DomainEvent & {
  readonly id?: string;
  readonly metadata?: Record<string, unknown>;
  readonly expectedVersion?: ExpectedVersion;
};

export interface AppendContext {
  readonly logId: string;
  /** The token's name, stored beside the event. */
  readonly actor?: string;
  readonly requestId?: string;
  /** Error paths for a single event sent without the `{ events }` wrapper start at the event itself. */
  readonly bare?: boolean;
}

export interface AppendedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
  readonly cursor: string;
}

export interface AppendResult {
  readonly events: AppendedEvent[];
  /** The cursor of the last event (for read-your-writes, not for resuming a reader). */
  readonly cursor: string;
  /** True when every event was already stored with identical content: nothing was written. */
  readonly replayed: boolean;
}

interface AppendRow {
  event_id: string;
  stream_id: string;
  stream_version: number;
  position: string | number;
  xid: string;
  replayed: boolean;
}

const UNIQUE_VIOLATION = "23505";

/**
 * Appends one or many events atomically (one statement, one transaction: see the `append_events`
 * function in migrations/). Enforces expected versions, the stream rules of domain.md and idempotency by
 * event id. Throws EventLogError subclasses for every expected failure.
 */
export async function appendEvents(
  db: Kysely<Database>,
  events: readonly NewEvent[],
  context: AppendContext,
): Promise<AppendResult> {
  const withIds = events.map((event) => ({ ...event, id: event.id ?? randomUUID() }));
  // Amendments and corrections need the deal's opening type; those facts are immutable, so reading them
  // before the append's own transaction is safe.
  await checkDealChanges(db, withIds, context.bare ? () => "" : (index) => `events.${index}.`);

  const batch: AppendBatch = {
    ids: withIds.map((event) => event.id),
    streams: withIds.map((event) => streamIdOf(event)),
    types: withIds.map((event) => event.type),
    kinds: withIds.map((event) => eventKind(event.type)),
    expected: withIds.map((event) =>
      event.expectedVersion === undefined ? null : String(event.expectedVersion),
    ),
    data: withIds.map((event) => JSON.stringify(event.data)),
    metadata: withIds.map((event) => (event.metadata === undefined ? null : JSON.stringify(event.metadata))),
  };
  const companies = [...new Set(withIds.flatMap((event) => referencedCompanyIds(event)))];

  const rows = await callAppend(db, batch, companies, context).catch(async (error: unknown) => {
    // Two identical requests raced: the loser sees the winner's rows now and gets the replay answer.
    if (isUniqueViolation(error, "events_event_id_key")) return callAppend(db, batch, companies, context);
    throw error;
  });

  const appended = rows.map((row) => ({
    id: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    position: Number(row.position),
    cursor: encodeCursor(context.logId, { xid: row.xid, position: Number(row.position) }),
  }));
  return {
    events: appended,
    cursor: appended[appended.length - 1]?.cursor ?? "start",
    replayed: rows.every((row) => row.replayed),
  };
}

/** The batch as the SQL function takes it: parallel arrays, one entry per event. */
interface AppendBatch {
  ids: string[];
  streams: string[];
  types: string[];
  kinds: string[];
  expected: (string | null)[];
  data: string[];
  metadata: (string | null)[];
}

/** The append: one statement; a named prepared statement on PostgreSQL (parsed and planned once per connection). */
const APPEND_SQL = `select event_id, stream_id, stream_version, position, xid::text as xid, replayed
  from append_events($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[], $7::json[],
                     $8::text[], $9, $10)`;

async function callAppend(
  db: Kysely<Database>,
  batch: AppendBatch,
  companies: string[],
  context: AppendContext,
): Promise<AppendRow[]> {
  const values = [
    batch.ids,
    batch.streams,
    batch.types,
    batch.kinds,
    batch.expected,
    batch.data,
    batch.metadata,
    companies,
    context.actor ?? null,
    context.requestId ?? null,
  ];
  try {
    const pool = postgresPoolOf(db);
    if (pool) return await queryNamed(pool, values);
    return (await db.executeQuery<AppendRow>(CompiledQuery.raw(APPEND_SQL, values))).rows;
  } catch (error) {
    throw translateError(error);
  }
}

/**
 * Not `pool.query`: on any error it discards the connection (a 409 would cost a new connection, ~10 ms).
 * A statement that failed with a SQLSTATE leaves the connection usable; only other errors discard it.
 */
async function queryNamed(pool: CheckoutPool, values: unknown[]): Promise<AppendRow[]> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    // Nothing was sent: a plain 503, safe to retry.
    if (isDatabaseUnavailable(error)) throw new DatabaseUnavailableError((error as Error).message);
    throw error;
  }
  let failure: Error | undefined;
  try {
    return (await client.query<AppendRow>({ name: "stackledger_append_events", text: APPEND_SQL, values }))
      .rows;
  } catch (error) {
    if (!(error as { code?: unknown }).code || isDatabaseUnavailable(error)) failure = error as Error;
    // The statement was sent: it may have committed before the connection broke.
    if (isDatabaseUnavailable(error))
      throw new OutcomeUnknownError((error as Error).message, values[0] as string[]);
    throw error;
  } finally {
    client.release(failure);
  }
}

/** Maps the SQL function's custom SQLSTATEs to typed errors. */
function translateError(error: unknown): unknown {
  const pgError = error as { code?: string; message?: string; detail?: string };
  const detail = pgError.detail ? safeJson(pgError.detail) : undefined;
  switch (pgError.code) {
    case "SL422":
      if (pgError.message === "unknown_companies") {
        const ids = detail as string[];
        return new UnknownReferenceError(`Unknown companies: ${ids.join(", ")}`, { unknownCompanies: ids });
      }
      return new UnknownReferenceError(
        `Lifecycle events for deals that were never reported: ${(detail as string[]).join(", ")}`,
        {
          unknownDeals: detail,
        },
      );
    case "SL409":
      if (pgError.message === "event_id_reused") {
        return new ConflictError(
          "Event ids already stored with other content, or a replay mixed with new events",
          detail,
        );
      }
      return new ConflictError(describeConflicts(detail as StreamConflict[]), detail);
    case UNIQUE_VIOLATION:
      if (isUniqueViolation(error, "events_stream_version_key")) {
        return new ConflictError("A concurrent append took this stream version", []);
      }
      return error;
    default:
      return error;
  }
}

interface StreamConflict {
  index: number;
  streamId: string;
  expected?: unknown;
  actual: number;
  reason: string;
}

function describeConflicts(conflicts: StreamConflict[]): string {
  const first = conflicts[0];
  if (!first) return "Stream conflict";
  const what =
    first.reason === "company_already_registered"
      ? `${first.streamId} is already registered`
      : first.reason === "deal_already_opened"
        ? `${first.streamId} already has its opening *Reported event`
        : `${first.streamId} is at version ${first.actual}, expected ${JSON.stringify(first.expected)}`;
  return `events[${first.index}]: ${what}${conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ""}`;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: string; constraint?: string; message?: string };
  return (
    pgError.code === UNIQUE_VIOLATION &&
    (pgError.constraint === constraint || (pgError.message ?? "").includes(constraint))
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
