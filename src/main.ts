import { readConfig } from "./config.js";
import { exitOnRefusal } from "./exit-on-refusal.js";
import { startServer } from "./serve.js";

// `npm start`: the service with the environment's configuration (embedded database and demo data by default).
const server = await startServer(readConfig()).catch(exitOnRefusal);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping || !server) return;
    stopping = true;
    server.log.info({ signal }, "shutting down");
    server.close().catch((error: Error) => {
      server.log.error({ reason: error.message }, "shutdown failed");
      process.exitCode = 1;
    });
  });
}
