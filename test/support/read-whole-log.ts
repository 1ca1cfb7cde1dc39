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
