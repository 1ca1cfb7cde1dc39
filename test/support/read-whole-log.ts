/** Every event of a running server's log, in delivery order, read page by page through `GET /v1/events`. */
export async function readWholeLog(baseUrl: string): Promise<{ id: string; cursor: string }[]> {
  const events: { id: string; cursor: string }[] = [];
  let after = "start";
  for (;;) {
    const page = (await (await fetch(`${baseUrl}/v1/events?after=${after}&limit=1000`)).json()) as {
      events: { id: string; cursor: string }[];
      next: string;
      end?: boolean;
    };
    events.push(...page.events);
    after = page.next;
    if (page.end) return events;
  }
}

/**
 * The whole log once it holds every id in `acknowledged` (or after `timeoutMs`; the caller asserts): an open
 * write transaction elsewhere on the cluster (a projector step) keeps the newest commits below the read
 * horizon for a moment, so a read right after the last append may not show them yet.
 */
export async function readWholeLogHolding(
  baseUrl: string,
  acknowledged: readonly string[],
  timeoutMs = 15_000,
): Promise<{ id: string; cursor: string }[]> {
  const wanted = new Set(acknowledged);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await readWholeLog(baseUrl);
    if (events.filter((event) => wanted.has(event.id)).length >= wanted.size || Date.now() > deadline)
      return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
