/**
 * The set-up loader of the large projection benchmarks: writes synthetic events straight into `events`
 * with COPY, one transaction per batch, instead of through `append_events` (issue 13: "load the bench's log
 * with COPY for the set-up and say so; appends are measured elsewhere").
 *
 * It writes the rows `appendEvents` would for the same batches in the same order: the event's id, stream id
 * and the next version of that stream (tracked here, the stream rules are not checked again), the type, the
 * data as JSON.stringify'd text (the `json` column keeps it as sent), no metadata, the actor and one request
 * id per batch. The columns the table fills itself are left to it, as the append leaves them: `position`
 * (identity, in row order), `xid` (one per batch: the batch's transaction), `recorded_at` (its start) and
 * `schema_version`. bench/check-copy-load.ts checks that the two loaders give the same log and views.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { NewEvent } from "../../src/event-log/append-events.js";
import { streamIdOf } from "../../src/events/index.js";

const COPY_SQL =
  "copy events (event_id, stream_id, stream_version, type, data, metadata, actor, request_id) from stdin";

export interface CopyLoader {
  /** Writes one batch in its own transaction (the batch's events get one xid, like one append). */
  append(batch: readonly NewEvent[]): Promise<void>;
  /** Stream versions written so far: the next version of a stream is one more. */
  readonly streams: number;
  close(): Promise<void>;
}

export async function openCopyLoader(url: string, actor: string): Promise<CopyLoader> {
  const client = new pg.Client({ connectionString: url, application_name: "stackledger-bench-copy" });
  let failure: Error | undefined;
  client.on("error", (error) => {
    failure = error;
  });
  await client.connect();
  const versions = new Map<string, number>();
  return {
    get streams() {
      return versions.size;
    },
    async append(batch) {
      if (failure) throw failure;
      const lines: string[] = [];
      // Versions are committed to the map only after COMMIT: a failed batch must not shift the next ones.
      const next = new Map<string, number>();
      const requestId = randomUUID();
      for (const event of batch) {
        const stream = streamIdOf(event);
        const version = (next.get(stream) ?? versions.get(stream) ?? 0) + 1;
        next.set(stream, version);
        lines.push(
          [
            event.id ?? randomUUID(),
            copyText(stream),
            String(version),
            copyText(event.type),
            copyText(JSON.stringify(event.data)),
            event.metadata === undefined ? "\\N" : copyText(JSON.stringify(event.metadata)),
            copyText(actor),
            requestId,
          ].join("\t"),
        );
      }
      await client.query("begin");
      try {
        await pipeline(Readable.from([`${lines.join("\n")}\n`]), client.query(copyFrom(COPY_SQL)));
        await client.query("commit");
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      }
      for (const [stream, version] of next) versions.set(stream, version);
    },
    close: () => client.end(),
  };
}

/** A value in COPY's text format: backslash, newline, carriage return and tab are escaped. */
export function copyText(value: string): string {
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t",
  );
}
