/**
 * Emmett (@event-driven-io/emmett-postgresql), the TypeScript peer the bench measures beside stackledger:
 * its event store, batch reader and consumer, on the same PostgreSQL database as our tables (its tables
 * are `emt_*`), used the way its documentation shows. Only the bench imports it (a devDependency).
 */
import { dumbo, type NodePostgresPool } from "@event-driven-io/dumbo";
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
  postgreSQLEventStoreConsumer,
  readMessagesBatch,
} from "@event-driven-io/emmett-postgresql";
import pg from "pg";

export interface EmmettEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
}

export interface EmmettRead {
  readonly globalPosition: bigint;
  readonly messageId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
}

export interface Emmett {
  readonly store: PostgresEventStore;
  /** Emmett's dumbo pool over its own pg pool: what its reader and consumer query through. */
  readonly pool: NodePostgresPool;
  append(streamName: string, events: readonly EmmettEvent[], expectedStreamVersion?: bigint): Promise<void>;
  /** One page of `readMessagesBatch` after a global position. */
  readPage(after: bigint, batchSize: number): Promise<{ messages: EmmettRead[]; last: bigint }>;
  close(): Promise<void>;
}

/** Emmett's store on `url`, its schema created up front, its pool as large as ours for the workload. */
export async function openEmmett(url: string, poolSize: number): Promise<Emmett> {
  const pgPool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: "stackledger-bench-emmett",
  });
  // Dropping the bench database terminates idle connections: that must not crash the run.
  pgPool.on("error", () => {});
  const store = getPostgreSQLEventStore(url, {
    schema: { autoMigration: "None" },
    connectionOptions: { pooled: true, pool: pgPool },
  });
  await store.schema.migrate();
  const pool = dumbo({ connectionString: url, pooled: true, pool: pgPool });
  // Every pooled connection opened before any clock starts, as for the other sides.
  const clients = await Promise.all(Array.from({ length: poolSize }, () => pgPool.connect()));
  for (const client of clients) client.release();
  return {
    store,
    pool,
    async append(streamName, events, expectedStreamVersion) {
      await store.appendToStream(
        streamName,
        events.map((event) => ({ ...event })),
        expectedStreamVersion === undefined ? undefined : { expectedStreamVersion },
      );
    },
    async readPage(after, batchSize) {
      const page = await readMessagesBatch(pool.execute, { after, batchSize });
      return {
        last: page.currentGlobalPosition,
        messages: page.messages.map((message) => ({
          globalPosition: message.metadata.globalPosition,
          messageId: message.metadata.messageId,
          type: message.type,
          data: message.data,
          metadata: message.metadata as Record<string, unknown>,
        })),
      };
    },
    async close() {
      await store.close().catch(() => {});
      await pool.close().catch(() => {});
      await pgPool.end().catch(() => {});
    },
  };
}

/**
 * Copies our `events` rows into Emmett's tables in log order (same stream ids, versions, types, JSON
 * and ids; `recordedAt` goes into Emmett's metadata, where its readers can see it), one statement each,
 * so that both systems start a workload from the same log. Untimed setup.
 */
export async function copyLogToEmmett(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`insert into emt_streams (stream_id, stream_position, partition, stream_type, stream_metadata, is_archived)
      select stream_id, max(stream_version), 'emt:default', split_part(stream_id, '-', 1), '{}', false
        from events group by stream_id`);
    await client.query(`insert into emt_messages (stream_id, stream_position, partition, message_data, message_metadata,
        message_schema_version, message_type, message_kind, message_id, transaction_id)
      select stream_id, stream_version, 'emt:default', data::jsonb,
             coalesce(metadata::jsonb, '{}'::jsonb) || jsonb_build_object('recordedAt', recorded_at),
             '1', type, 'E', event_id::text, pg_current_xact_id()
        from events order by position`);
    await client.query("vacuum analyze emt_messages");
    await client.query("vacuum analyze emt_streams");
  } finally {
    await client.end();
  }
}

export interface EmmettConsumerRun {
  /** Resolves when the consumer stopped (`stop()` or, with `untilEmpty`, when no messages were left). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Emmett's consumer with one reactor from the beginning of the log, `batchSize` messages per pull, calling
 * `eachMessage` for every message it delivers (Emmett 0.42's reactor calls `eachMessage` only; it stores
 * its checkpoint after each message). `untilEmpty` stops it once it finds no messages left.
 */
export function runEmmettConsumer(
  url: string,
  options: {
    readonly processorId: string;
    readonly batchSize: number;
    readonly untilEmpty: boolean;
    /** Emmett's pause between pulls while messages are left (its default is 50 ms). */
    readonly pullingFrequencyInMs?: number;
    readonly eachMessage: (message: EmmettRead) => void;
  },
): EmmettConsumerRun {
  const consumer = postgreSQLEventStoreConsumer({
    connectionString: url,
    pulling: { batchSize: options.batchSize, pullingFrequencyInMs: options.pullingFrequencyInMs ?? 50 },
    ...(options.untilEmpty ? { stopWhen: { noMessagesLeft: true } } : {}),
  });
  consumer.reactor({
    processorId: options.processorId,
    startFrom: "BEGINNING",
    eachMessage: async (message) => {
      options.eachMessage({
        globalPosition: message.metadata.globalPosition,
        messageId: message.metadata.messageId,
        type: message.type,
        data: message.data,
        metadata: message.metadata as Record<string, unknown>,
      });
    },
  });
  const done = consumer.start();
  return {
    done,
    async stop() {
      await consumer.stop();
      await done.catch(() => {});
      await consumer.close();
    },
  };
}
