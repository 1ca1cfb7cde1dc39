import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type EventInput } from "../src/client/index.js";
import { companyRegistered } from "./support/fixtures.js";
import { freePort } from "./support/private-cluster.js";
import {
  CLIENT_ADMIN_TOKEN,
  createServeStorage,
  killServeProcess,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";
import { type Spawned, waitForOutput } from "./support/spawn-service.js";
import { serverOnly } from "./support/test-database.js";

// SIGKILL of a server process while it writes: PostgreSQL survives that by design; the embedded
// database's data directory is not meant to (one process, closed cleanly).
const skip = serverOnly(
  "SIGKILLing server processes needs PostgreSQL (the embedded data dir is closed cleanly)",
);
const SUBSCRIBER = fileURLToPath(new URL("./support/client-subscriber.ts", import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const company = (id: string) => companyRegistered(id) as EventInput<"CompanyRegistered">;

function startSubscriber(url: string, dir: string): Spawned {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SUBSCRIBER, url, dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function kill(spawned: Spawned) {
  if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill("SIGKILL");
  await spawned.exited;
}

const lines = (path: string) =>
  existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];

describe("the client through server crashes", () => {
  let storage: ServeStorage;
  beforeAll(async () => {
    storage = await createServeStorage();
    cleanups.push(() => storage.drop());
  });

  it.skipIf(skip)(
    "hands every event to a file-checkpointed subscriber exactly once, in order, across SIGKILLs of the server (twice) and of the subscriber",
    async () => {
      const port = await freePort();
      let server: ServeProcess = await startServeProcess(storage, { port });
      cleanups.push(() => killServeProcess(server, "SIGTERM"));
      const dir = await mkdtemp(join(tmpdir(), "stackledger-subscriber-"));
      let subscriber = startSubscriber(server.url, dir);
      cleanups.push(() => kill(subscriber));
      await waitForOutput(subscriber, /caught-up/, 30_000);

      const client = createClient({ url: server.url, token: CLIENT_ADMIN_TOKEN, retryFor: 60_000 });
      const total = 60;
      let appended = 0;
      let replayed = 0;
      const appender = (async () => {
        for (let i = 0; i < total; i += 1) {
          const result = await client.append(company(`crash-${i}`));
          if (result.replayed) replayed += 1;
          appended += 1;
        }
      })();
      const reached = async (count: number) => {
        while (appended < count) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      const restartServer = async () => {
        await killServeProcess(server);
        server = await startServeProcess(storage, { port });
      };
      await reached(15);
      await restartServer();
      await reached(30);
      await kill(subscriber);
      subscriber = startSubscriber(server.url, dir);
      await reached(45);
      await restartServer();
      await appender;

      // The read horizon may hold the last commits back for a moment (see eventually.ts).
      await expect
        .poll(async () => (await client.events().toArray()).length, { timeout: 10_000 })
        .toBe(total);
      const log = await client.events().toArray();
      expect(log.map((e) => e.data)).toEqual(
        Array.from({ length: total }, (_, i) => ({
          companyId: `crash-${i}`,
          name: `CRASH-${i}`,
          kind: "company",
        })),
      );
      const effects = () => lines(join(dir, "effects")).map((line) => line.split(" ")[0]);
      await expect.poll(() => effects().length, { timeout: 30_000 }).toBe(total);
      expect(effects()).toEqual(log.map((e) => e.id));
      // The checkpoint bounds redelivery: at most the one event in flight when the subscriber was killed.
      const deliveries = lines(join(dir, "deliveries"));
      expect(deliveries.length - total).toBeLessThanOrEqual(1);
      expect(deliveries.filter((id, i) => deliveries.indexOf(id) !== i).length).toBeLessThanOrEqual(1);
      console.log(
        `crash test: ${total} events, ${replayed} appends answered replayed, ${deliveries.length - total} redelivered`,
      );
    },
    180_000,
  );

  it("answers replayed, writing nothing twice, for an append whose server died between commit and answer", async () => {
    const port = await freePort();
    let server = await startServeProcess(storage, { port });
    cleanups.push(() => killServeProcess(server, "SIGTERM"));
    // A proxy that forwards requests and, once armed, drops the connection as the server's answer
    // arrives (the append has committed), SIGKILLs the server and starts it again (on PostgreSQL; the
    // embedded server stays up, so there only the answer is lost).
    let armed = false;
    let posts = 0;
    let restarted: Promise<void> | undefined;
    const proxy: Server = createServer((downstream) => {
      const upstream = connect(port, "127.0.0.1");
      const close = () => {
        downstream.destroy();
        upstream.destroy();
      };
      upstream.on("error", close);
      downstream.on("error", close);
      downstream.on("data", (chunk: Buffer) => {
        if (chunk.toString("latin1").startsWith("POST /v1/events")) posts += 1;
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (!armed) return void downstream.write(chunk);
        armed = false;
        close();
        restarted = (async () => {
          if (skip) return;
          await killServeProcess(server);
          server = await startServeProcess(storage, { port });
        })();
      });
      upstream.on("end", close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    const proxyPort = (proxy.address() as { port: number }).port;
    const client = createClient({ url: `http://127.0.0.1:${proxyPort}`, token: CLIENT_ADMIN_TOKEN });

    armed = true;
    const result = await client.append([company("lost-answer-1"), company("lost-answer-2")]);
    await restarted;
    expect(result.replayed).toBe(true);
    expect(posts).toBeGreaterThanOrEqual(2);
    const stored = await createClient({ url: server.url })
      .events()
      .toArray()
      .then((events) =>
        events.filter((e) => e.type === "CompanyRegistered" && e.data.companyId.startsWith("lost-answer")),
      );
    expect(stored.map((e) => e.id)).toEqual(result.events.map((e) => e.id));
  }, 120_000);
});
