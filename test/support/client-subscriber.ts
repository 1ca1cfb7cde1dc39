// A consumer process for the client's crash tests: follows the events feed with a file checkpoint and
// records every delivery, and each event's effect once. Usage: client-subscriber.ts URL DIR
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, fileCheckpoint } from "../../src/client/index.js";

const [url, dir] = process.argv.slice(2) as [string, string];
const effects = join(dir, "effects");
const deliveries = join(dir, "deliveries");
// The README's pattern for a handler whose effect is not stored with the checkpoint: make the effect
// idempotent (keyed by event id), so the one event in flight when the process died is not applied twice.
const applied = new Set(
  existsSync(effects)
    ? readFileSync(effects, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(" ")[0])
    : [],
);

const client = createClient({ url });
const subscription = client.subscribe(
  {
    feed: "events",
    after: "start",
    checkpoint: fileCheckpoint(join(dir, "checkpoint")),
    onCaughtUp: () => console.log("caught-up"),
    onReconnect: (error) => console.log(`reconnecting: ${(error as Error).message}`),
    maxReconnectDelay: 1000,
  },
  (event) => {
    appendFileSync(deliveries, `${event.id}\n`);
    if (applied.has(event.id)) return;
    appendFileSync(effects, `${event.id} ${event.position}\n`);
    applied.add(event.id);
  },
);
process.once("SIGTERM", () => void subscription.stop());
subscription.done.catch((error) => {
  console.error(`subscription failed: ${error}`);
  process.exitCode = 1;
});
