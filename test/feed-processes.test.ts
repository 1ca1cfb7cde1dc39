import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companyRegistered } from "./support/fixtures.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";
import { openSse, until } from "./support/sse-client.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";

const TOKEN = "two-process-token";
const skip = serverOnly("two server processes need a PostgreSQL server");
let database: TestDatabase | undefined;
const processes: Spawned[] = [];
const urls: string[] = [];

beforeAll(async () => {
  if (skip) return;
  database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url!,
    STACKLEDGER_TOKENS: `${TOKEN}=append`,
    STACKLEDGER_PROJECTOR: "false",
  };
  for (let i = 0; i < 2; i += 1) processes.push(runCli(["serve", "--port", "0"], env));
  for (const p of processes) urls.push((await waitForOutput(p, /listening on (http:\/\/\S+)/))[1]!);
}, 60_000);
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGTERM");
  await Promise.all(processes.map((p) => p.exited));
  await database?.drop();
});

async function append(url: string, body: unknown) {
  const response = await fetch(`${url}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
}

describe.skipIf(skip)("the feed across two server processes", () => {
  it("delivers every event exactly once, in one order shared by both processes, under concurrent appends", async () => {
    const clients = urls.map((url) => openSse(`${url}/v1/feed/events?after=now`));
    try {
      await until(() => clients.every((c) => c.received.some((r) => r.type === "caught-up")), "caught-up");
      const writers = 8;
      const perWriter = 25;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i += 1)
            await append(urls[(w + i) % 2]!, companyRegistered(`w${w}-e${i}`));
        }),
      );
      const total = writers * perWriter;
      await until(() => clients.every((c) => c.items().length >= total), "every event on both", 20_000);
      const [a, b] = clients.map((c) => c.items().map((r) => r.data.data.companyId as string));
      expect(a).toHaveLength(total);
      expect(new Set(a).size).toBe(total);
      expect(b).toEqual(a);
      // One global delivery order: the cursors increase in it, whichever process served them.
      expect(clients[1]!.items().map((r) => r.id)).toEqual(clients[0]!.items().map((r) => r.id));

      // Resume on the other process from a cursor the first one gave.
      const middle = clients[0]!.items()[99]!;
      const resumed = openSse(`${urls[1]}/v1/feed/events?after=start`, { lastEventId: middle.id });
      try {
        await until(() => resumed.items().length >= total - 100, "the rest", 20_000);
        expect(resumed.items().map((r) => r.data.data.companyId)).toEqual(a!.slice(100));
      } finally {
        resumed.close();
      }
    } finally {
      for (const client of clients) client.close();
    }
  }, 90_000);
});
