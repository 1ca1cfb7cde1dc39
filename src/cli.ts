import { parseArgs } from "node:util";
import { SingleBar } from "cli-progress";
import { PROJECTIONS } from "../projections/index.js";
import { backupCommand } from "./commands/backup.js";
import { runExport } from "./commands/export.js";
import { runImport } from "./commands/import.js";
import { importUrlCommand } from "./commands/import-url.js";
import { runRepair } from "./commands/repair.js";
import { restoreCommand } from "./commands/restore.js";
import { readConfig } from "./config.js";
import { connectDatabase } from "./db/connect.js";
import { migrateToLatest } from "./db/migrate.js";
import { tailEvents } from "./feed/tail-events.js";
import { rebuildProgress, requestRebuild } from "./projector/request-rebuild.js";
import { openRuntime, startProjector, startServer } from "./serve.js";

const USAGE = `usage: stackledger <command>
  serve                 run the API (the environment configures it; see README)
  migrate               bring the database schema up to date
  import <file.ndjson>  import a stackledger export file (ids, order, recorded time kept; resumable), or
                        append a plain file of events in order (idempotent for events with ids)
                        (--url URL [--token T]: through a running server's API instead of the database)
  export [--after CURSOR] [--output FILE]
                        write the log in delivery order as NDJSON (stdout by default)
  project               run the projection workers only (with STACKLEDGER_PROJECTOR=false on API processes)
  rebuild [name…]       rebuild projections beside the live ones and swap (all when none named)
  repair [--new-log-id] after a logical restore into another cluster: rewrite the stored ids below its horizon;
                        --new-log-id: only a new log id (after a restore that lost events clients had read)
  events tail           follow the event feed of a running server (--url, --after, --types, --companies, --json)
  backup --output FILE  copy the embedded database while it runs (asks its server; --url, --token)
  restore FILE          make a new embedded data folder (--data-dir, empty) from a backup
options: --database-url URL  --data-dir DIR  --port N  --host H`;

// Progress also shows (once a second) when the output is a log file or a pipe, not only on a terminal.
const BAR_OPTIONS = { noTTYOutput: true, notTTYSchedule: 1000 } as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "database-url": { type: "string" },
    "data-dir": { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "batch-size": { type: "string" },
    url: { type: "string" },
    token: { type: "string" },
    after: { type: "string" },
    output: { type: "string" },
    "new-log-id": { type: "boolean" },
    types: { type: "string" },
    companies: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});

// Flags override the environment variables of the same meaning.
const config = readConfig({
  ...process.env,
  ...(values["database-url"] ? { DATABASE_URL: values["database-url"] } : {}),
  ...(values["data-dir"] ? { STACKLEDGER_DATA_DIR: values["data-dir"] } : {}),
  ...(values.port ? { PORT: values.port } : {}),
  ...(values.host ? { HOST: values.host } : {}),
});

const [command, ...args] = positionals;
switch (command) {
  case "serve": {
    const server = await startServer(config);
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void server.close());
    break;
  }
  case "migrate": {
    const handle = await connectDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    try {
      const result = await migrateToLatest(handle.db);
      const applied = result.results?.filter((r) => r.status === "Success").map((r) => r.migrationName) ?? [];
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "schema is up to date");
    } finally {
      await handle.close();
    }
    break;
  }
  case "import": {
    const file = args[0];
    if (!file) {
      console.error(USAGE);
      process.exitCode = 2;
      break;
    }
    if (values.url) {
      process.exitCode = await importUrlCommand({
        url: values.url,
        file,
        token: values.token ?? process.env.STACKLEDGER_TOKEN,
        batchSize: values["batch-size"] ? Number(values["batch-size"]) : undefined,
      });
      break;
    }
    process.exitCode = await runImport(
      config,
      file,
      values["batch-size"] ? Number(values["batch-size"]) : undefined,
    );
    break;
  }
  case "export": {
    process.exitCode = await runExport(config, { after: values.after, output: values.output });
    break;
  }
  case "project": {
    const runtime = await openRuntime(config, { waitForDatabase: true, role: "projector" });
    const projector = startProjector(runtime);
    console.log(`stackledger: projector running (${PROJECTIONS.map((p) => p.name).join(", ")})`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await projector.stop();
    await runtime.handle.close();
    break;
  }
  case "rebuild": {
    const known = PROJECTIONS.map((p) => p.name);
    const names = args.length > 0 ? args : known;
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      console.error(`unknown projections: ${unknown.join(", ")} (known: ${known.join(", ")})`);
      process.exitCode = 2;
      break;
    }
    const runtime = await openRuntime(config);
    const since = new Date();
    await requestRebuild(runtime.handle.db, names);
    // This process runs the rebuild itself unless another process holds the projection; then it watches.
    const projector = startProjector(runtime, names);
    const bar = new SingleBar({
      format: "rebuilding [{bar}] {value}/{total} events | {rate} events/s | ETA {eta_formatted} | {names}",
      ...BAR_OPTIONS,
    });
    bar.start(1, 0, { rate: 0, names: names.join(", ") });
    for (;;) {
      const progress = await rebuildProgress(runtime.handle.db, names, since);
      const total = progress.reduce((sum, p) => sum + p.total, 0);
      const done = progress.reduce((sum, p) => sum + p.done, 0);
      const rate = Math.round(progress.reduce((sum, p) => sum + p.eventsPerSecond, 0));
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { rate });
      if (progress.every((p) => p.finished)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    bar.update(bar.getTotal());
    bar.stop();
    console.log(`rebuilt: ${names.join(", ")}`);
    await projector.stop();
    await runtime.handle.close();
    break;
  }
  case "repair": {
    process.exitCode = await runRepair(config, { newLogId: values["new-log-id"] });
    break;
  }
  case "events": {
    if (args[0] !== "tail") {
      console.error(USAGE);
      process.exitCode = 2;
      break;
    }
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    process.once("SIGTERM", () => controller.abort());
    await tailEvents({
      url: values.url ?? `http://${config.host}:${config.port}`,
      after: values.after,
      types: values.types?.split(","),
      companies: values.companies?.split(","),
      json: values.json,
      signal: controller.signal,
    }).catch((error: Error) => {
      console.error(`stackledger: ${error.message}`);
      process.exitCode = 1;
    });
    break;
  }
  case "backup": {
    process.exitCode = await backupCommand({
      config,
      output: values.output,
      url: values.url,
      token: values.token,
    });
    break;
  }
  case "restore": {
    process.exitCode = await restoreCommand(args[0], config.dataDir);
    break;
  }
  default:
    console.log(USAGE);
    if (!values.help) process.exitCode = 2;
}
