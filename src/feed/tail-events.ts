import { EventSource } from "eventsource";
import { EVENT_TYPES } from "../events/index.js";

export interface TailOptions {
  /** The API's base URL. */
  readonly url: string;
  readonly after?: string;
  readonly types?: readonly string[];
  readonly companies?: readonly string[];
  readonly json?: boolean;
  readonly write?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Follows `GET /v1/feed/events` and prints one line per event. The EventSource client reconnects after a
 * dropped connection with the last cursor it saw (`Last-Event-ID`), so nothing is missed or repeated.
 */
export function tailEvents(options: TailOptions): Promise<void> {
  const query = new URLSearchParams({ after: options.after ?? "now" });
  if (options.types?.length) query.set("types", options.types.join(","));
  if (options.companies?.length) query.set("companies", options.companies.join(","));
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const source = new EventSource(`${options.url.replace(/\/$/, "")}/v1/feed/events?${query}`);
  return new Promise((resolve, reject) => {
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        const envelope = JSON.parse(event.data);
        write(options.json ? event.data : describe(envelope));
      });
    }
    source.addEventListener("caught-up", () => {
      if (!options.json) write("-- caught up; following live (Ctrl-C to stop)");
    });
    source.addEventListener("error", (event) => {
      // A 4xx is final (bad cursor, bad filter); anything else reconnects by itself.
      const status = (event as { code?: number }).code;
      if (status && status >= 400 && status < 500) {
        source.close();
        reject(
          new Error(
            `the feed refused the request (${status}): ${(event as { message?: string }).message ?? ""}`,
          ),
        );
      }
    });
    options.signal?.addEventListener("abort", () => {
      source.close();
      resolve();
    });
  });
}

function describe(envelope: {
  position: number;
  type: string;
  streamId: string;
  recordedAt: string;
  data: Record<string, unknown>;
}) {
  const data = envelope.data;
  const what = data.summary ?? data.name ?? data.status ?? "";
  return `${envelope.recordedAt}  #${envelope.position}  ${envelope.type}  ${envelope.streamId}${what ? `  ${String(what)}` : ""}`;
}
