import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runCli, type Spawned, waitForOutput } from "./spawn-service.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `npm start` in the checkout, exactly as a new user types it. */
export function runNpmStart(env: NodeJS.ProcessEnv): Spawned {
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", TEST_DATABASE_URL: "", ...env },
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

export interface EmbeddedService {
  readonly spawned: Spawned;
  readonly url: string;
  readonly token: string;
}

/** `stackledger serve` on an embedded data folder, as a user runs it; resolves once it listens. */
export async function startEmbedded(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<EmbeddedService> {
  const spawned = runCli(["serve", "--port", "0"], { STACKLEDGER_DATA_DIR: dataDir, ...env });
  const [, url] = await waitForOutput(spawned, /listening on (http:\/\/\S+)/, 120_000);
  const [, token] = await waitForOutput(spawned, /admin token: (sl_\S+)/);
  return { spawned, url: url!, token: token! };
}

/** SIGTERM, then the exit status. */
export async function stopService(service: EmbeddedService): Promise<number | null> {
  service.spawned.child.kill("SIGTERM");
  return service.spawned.exited;
}

/** Appends one new company; resolves with its event id once acknowledged (throws otherwise). */
export async function appendCompany(service: EmbeddedService, companyId: string): Promise<string> {
  const id = randomUUID();
  const response = await fetch(`${service.url}/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${service.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      id,
      type: "CompanyRegistered",
      data: { companyId, name: companyId.toUpperCase(), kind: "company" },
    }),
  });
  if (response.status !== 201)
    throw new Error(`append answered ${response.status}: ${await response.text()}`);
  return id;
}

/** Every event id of the log, in delivery order. */
export async function readAllIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let after = "start";
  for (;;) {
    const response = await fetch(`${url}/v1/events?limit=1000&after=${encodeURIComponent(after)}`);
    if (response.status !== 200)
      throw new Error(`read answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { events: { id: string }[]; next: string };
    ids.push(...page.events.map((event) => event.id));
    if (page.events.length < 1000) return ids;
    after = page.next;
  }
}
