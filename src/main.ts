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
    console.log(`stackledger: ${signal} received, shutting down`);
    server.close().catch((error: Error) => {
      console.error(`stackledger: shutdown failed: ${error.message}`);
      process.exitCode = 1;
    });
  });
}
