/**
 * `npm run fleet`: the production shape on one machine — a PostgreSQL primary and a streaming replica, two API
 * processes (projector off) reading from the replica, one projector process, and nginx in front. Prints the
 * URL; Ctrl-C stops everything and removes the clusters. Processes that die are restarted, as systemd would
 * (`deploy/systemd/`). Needs PostgreSQL's server binaries and nginx (Debian: postgresql-15, nginx).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  type PrivateCluster,
  postgresOwnedTempDir,
  privateClusterUnavailable,
  runPgBinary,
  startPrivateCluster,
} from "./local-postgres.js";

const BIN = fileURLToPath(new URL("../bin/stackledger.js", import.meta.url));
const NGINX_TEMPLATE = fileURLToPath(new URL("./nginx.conf.template", import.meta.url));
const DATABASE = "stackledger";

export interface FleetOptions {
  readonly host?: string;
  /** The proxy's port (0: a free one). */
  readonly port?: number;
  readonly apis?: number;
  readonly tokens?: string;
  readonly log?: (line: string) => void;
}

export interface Fleet {
  readonly url: string;
  stop(): Promise<void>;
}

/** Why the fleet cannot start here, or undefined. */
export function fleetUnavailable(): string | undefined {
  const postgres = privateClusterUnavailable();
  if (postgres) return postgres;
  if (!nginxBinary()) return "nginx is not installed (apt-get install nginx)";
  return undefined;
}

function nginxBinary(): string | undefined {
  return ["/usr/sbin/nginx", "/usr/bin/nginx"].find((path) => existsSync(path));
}

/** A child process restarted whenever it exits, until `stop()`. */
function supervise(name: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void) {
  let child: ChildProcess | undefined;
  let stopping = false;
  let output = "";
  const start = () => {
    const next = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = next;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    next.stdout?.on("data", keep);
    next.stderr?.on("data", keep);
    log(`${name}: pid ${next.pid}`);
    next.once("exit", (code, signal) => {
      if (stopping) return;
      log(`${name}: exited (${signal ?? code}), restarting`);
      setTimeout(start, 500);
    });
  };
  start();
  return {
    output: () => output,
    async waitFor(pattern: RegExp, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`${name} did not print ${pattern}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      stopping = true;
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill("SIGTERM");
      const timer = setTimeout(() => current.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const log = options.log ?? ((line: string) => console.log(line));
  const unavailable = fleetUnavailable();
  if (unavailable) throw new Error(`the fleet cannot start: ${unavailable}`);
  const host = options.host ?? "127.0.0.1";
  const tokens = options.tokens ?? "fleet-admin=append+admin";
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const primary = await startPrivateCluster({ settings: ["synchronous_commit = on"] });
    cleanups.push(() => primary.destroy());
    await primary.sql(`create database ${DATABASE}`);
    log(`primary: ${primary.url(DATABASE)}`);
    const replica = await startReplica(primary);
    cleanups.push(async () => {
      await replica.cluster.destroy();
      await rm(replica.root, { recursive: true, force: true });
    });
    log(`replica: ${replica.cluster.url(DATABASE)}`);

    const env = {
      DATABASE_URL: primary.url(DATABASE),
      DATABASE_READ_URL: replica.cluster.url(DATABASE),
      STACKLEDGER_TOKENS: tokens,
      STACKLEDGER_PROJECTOR: "false",
      HOST: "127.0.0.1",
    };
    const apiPorts: number[] = [];
    for (let i = 1; i <= (options.apis ?? 2); i += 1) {
      const port = await freePort();
      apiPorts.push(port);
      const api = supervise(`api ${i}`, ["serve"], { ...env, PORT: String(port) }, log);
      cleanups.push(() => api.stop());
      // One at a time: the first migrates the database.
      await api.waitFor(/listening on/);
    }
    const projector = supervise("projector", ["project"], { ...env, STACKLEDGER_PROJECTOR: "true" }, log);
    cleanups.push(() => projector.stop());
    await projector.waitFor(/projector running/);

    const port = options.port || (await freePort());
    const prefix = await mkdtemp(join(tmpdir(), "sl-nginx-"));
    // nginx's workers drop root: they must reach the temp paths under the prefix.
    await chmod(prefix, 0o755);
    cleanups.push(() => rm(prefix, { recursive: true, force: true }));
    const upstreams = apiPorts.map(
      (apiPort) => `    server 127.0.0.1:${apiPort} max_fails=1 fail_timeout=2s;`,
    );
    const values: Record<string, string> = {
      PREFIX: prefix,
      HOST: host,
      PORT: String(port),
      UPSTREAMS: upstreams.join("\n"),
    };
    const conf = (await readFile(NGINX_TEMPLATE, "utf8")).replace(
      /\$\{([A-Z]+)\}/g,
      (placeholder, name: string) => values[name] ?? placeholder,
    );
    await writeFile(join(prefix, "nginx.conf"), conf);
    execFileSync(nginxBinary()!, ["-t", "-q", "-c", join(prefix, "nginx.conf"), "-p", prefix]);
    const nginx = spawn(nginxBinary()!, ["-c", join(prefix, "nginx.conf"), "-p", prefix], {
      stdio: "inherit",
    });
    cleanups.push(async () => {
      if (nginx.exitCode !== null) return;
      const exited = new Promise((resolve) => nginx.once("exit", resolve));
      nginx.kill("SIGTERM");
      await exited;
    });
    const url = `http://${host}:${port}`;
    await waitForHttp(`${url}/ready`);
    log(`stackledger fleet ready at ${url} (admin token: ${tokens.split("=")[0]})`);
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startReplica(primary: PrivateCluster): Promise<{ cluster: PrivateCluster; root: string }> {
  const root = await postgresOwnedTempDir("sl-fleet-replica-");
  const data = join(root, "data");
  await runPgBinary("pg_basebackup", [
    ...["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", data],
    ...["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"],
  ]);
  return { cluster: await startPrivateCluster({ fromDataDir: data }), root };
}

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 (last: ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Run directly (`npm run fleet`): start, print, stop on Ctrl-C.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fleet = await startFleet({ port: Number(process.env.PORT ?? 0) || undefined });
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log("stopping the fleet");
      void fleet.stop().then(() => console.log("fleet stopped"));
    });
  }
}
