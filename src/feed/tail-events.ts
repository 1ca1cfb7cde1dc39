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
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // The last cursor seen: a reconnect made here (after a 5xx, which EventSource treats as final) resumes
  // from it, as the client's own reconnects do with Last-Event-ID.
  let after = options.after ?? "now";
  let source: EventSource | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  return new Promise((resolve, reject) => {
    const open = () => {
      const query = new URLSearchParams({ after });
      if (options.types?.length) query.set("types", options.types.join(","));
      if (options.companies?.length) query.set("companies", options.companies.join(","));
      const current = new EventSource(`${options.url.replace(/\/$/, "")}/v1/feed/events?${query}`);
      source = current;
      const remember = (event: MessageEvent) => {
        if (event.lastEventId) after = event.lastEventId;
        failures = 0;
      };
      for (const type of EVENT_TYPES) {
        current.addEventListener(type, (event) => {
          remember(event);
          const envelope = JSON.parse(event.data);
          write(options.json ? event.data : describe(envelope));
        });
      }
      current.addEventListener("bookmark", remember);
      current.addEventListener("caught-up", (event) => {
        remember(event);
        if (!options.json) write("-- caught up; following live (Ctrl-C to stop)");
      });
      current.addEventListener("error", (event) => {
        // A 4xx is final (bad cursor, bad filter). Network errors reconnect by themselves; a 5xx (the
        // server is up but its database is not) closes the EventSource for good, so reconnect here.
        const status = (event as { code?: number }).code;
        if (status && status >= 400 && status < 500) {
          current.close();
          reject(
            new Error(
              `the feed refused the request (${status}): ${(event as { message?: string }).message ?? ""}`,
            ),
          );
          return;
        }
        if (current.readyState === EventSource.CLOSED && !options.signal?.aborted) {
          failures += 1;
          retryTimer = setTimeout(open, Math.min(250 * 2 ** failures, 5000) * (0.5 + Math.random() / 2));
        }
      });
    };
    open();
    options.signal?.addEventListener("abort", () => {
      clearTimeout(retryTimer);
      source?.close();
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
