import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fleet, fleetUnavailable, startFleet } from "../deploy/fleet.js";
import { companyRegistered } from "./support/fixtures.js";
import { readWholeLogHolding } from "./support/read-whole-log.js";
import { openSse, type SseClient, until } from "./support/sse-client.js";

/**
 * The fleet of deploy/fleet.ts — primary, replica, two API processes, a projector process, nginx — driven
 * through the proxy while an API process and the projector are killed (and restarted by the supervisor).
 */
const unavailable = fleetUnavailable();
if (unavailable) console.warn(`skipped: the fleet test needs ${unavailable}`);

const TOKEN = "fleet-test";
let fleet: Fleet | undefined;
const lines: string[] = [];

beforeAll(async () => {
  if (unavailable) return;
  fleet = await startFleet({ tokens: `${TOKEN}=append+admin`, log: (line) => lines.push(line) });
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
}, 60_000);

/** The pid the supervisor last started for `name`. */
function pidOf(name: string): number {
  const line = [...lines].reverse().find((l) => l.startsWith(`${name}: pid `));
  return Number(line?.slice(`${name}: pid `.length));
}

describe.skipIf(unavailable)("the fleet behind nginx", () => {
  it("keeps every acknowledged append once and every subscriber exact while an API process and the projector are killed", async () => {
    const url = fleet!.url;
    const acknowledged: string[] = [];
    const unexpected: string[] = [];
    const requestIds = new Set<string>();
    const subscribers: SseClient[] = [];
    for (let i = 0; i < 4; i += 1) subscribers.push(openSse(`${url}/v1/feed/events?after=start`));

    let writing = true;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let n = 0; writing; n += 1) {
        const body = JSON.stringify({ id: randomUUID(), ...companyRegistered(`w${w}-c${n}`) });
        for (;;) {
          const response = await fetch(`${url}/v1/events`, {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body,
          }).catch(() => undefined);
          // 502 (the proxy lost its upstream mid-request) and 503 are retried with the same id.
          if (response && (response.status === 201 || response.status === 200)) {
            acknowledged.push(JSON.parse(body).id);
            requestIds.add(response.headers.get("x-request-id") ?? "");
            break;
          }
          if (response && ![502, 503].includes(response.status)) {
            unexpected.push(`${response.status}: ${(await response.text()).slice(0, 200)}`);
            return;
          }
          await response?.text();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });

    await until(() => acknowledged.length >= 50, "appends through the proxy", 30_000);
    process.kill(pidOf("api 1"), "SIGKILL");
    await until(() => lines.some((l) => l.startsWith("api 1: exited")), "the supervisor to notice", 10_000);
    const before = acknowledged.length;
    await until(() => acknowledged.length >= before + 50, "appends while api 1 restarts", 30_000);
    process.kill(pidOf("projector"), "SIGKILL");
    await until(
      () => lines.some((l) => l.startsWith("projector: exited")),
      "the projector to be restarted",
      10_000,
    );
    const later = acknowledged.length;
    await until(() => acknowledged.length >= later + 50, "appends after the projector restarts", 30_000);
    writing = false;
    await Promise.all(writers);

    expect(unexpected).toEqual([]);
    // The proxy passes a request id through to every answer (its own when the client sends none).
    expect(requestIds.has("")).toBe(false);

    const log = await readWholeLogHolding(url, acknowledged);
    const ids = log.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = new Set(ids);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    await until(
      () => subscribers.every((s) => s.items().length >= ids.length),
      "subscribers at the head",
      60_000,
    );
    for (const subscriber of subscribers) {
      expect(subscriber.items().map((item) => item.data.id)).toEqual(ids);
      subscriber.close();
    }

    // The views converge: the read model (from the restarted projector) equals a fold of the whole log.
    const head = log.at(-1)!.cursor;
    const current = await fetch(`${url}/v1/views/layers?waitFor=${encodeURIComponent(head)}&timeout=10000`);
    expect(current.status).toBe(200);
    const view = (await current.json()) as { cursor: string };
    const folded = await (
      await fetch(`${url}/v1/views/layers?knownAt=${encodeURIComponent(view.cursor)}`)
    ).json();
    expect(view).toEqual(folded);
  }, 240_000);
});
