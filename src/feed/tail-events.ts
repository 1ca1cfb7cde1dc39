import { createClient, type StoredEvent } from "../client/index.js";

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
 * Follows `GET /v1/feed/events` through the client and prints one line per event. The client reconnects
 * from the last cursor after a dropped connection or a 5xx, so nothing is missed or repeated; a refusal
 * (4xx: a bad cursor or filter) ends the tail with its error.
 */
export async function tailEvents(options: TailOptions): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const client = createClient({ url: options.url });
  const subscription = client.subscribe(
    {
      feed: "events",
      after: options.after ?? "now",
      filters: {
        types: options.types as StoredEvent["type"][] | undefined,
        companies: options.companies,
      },
      signal: options.signal,
      onCaughtUp: () => {
        if (!options.json) write("-- caught up; following live (Ctrl-C to stop)");
      },
    },
    (event) => write(options.json ? JSON.stringify(event) : describe(event)),
  );
  await subscription.done.catch((error: Error & { status?: number }) => {
    throw new Error(
      error.status ? `the feed refused the request (${error.status}): ${error.message}` : error.message,
    );
  });
}

function describe(envelope: StoredEvent) {
  const data = envelope.data as Record<string, unknown>;
  const what = data.summary ?? data.name ?? data.status ?? "";
  return `${envelope.recordedAt}  #${envelope.position}  ${envelope.type}  ${envelope.streamId}${what ? `  ${String(what)}` : ""}`;
}
