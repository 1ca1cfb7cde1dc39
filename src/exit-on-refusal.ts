import { StartRefusedError } from "./db/start-refused-error.js";

/**
 * For a composition root's top-level `catch`: a refusal to start (folder in use, schema too new) is printed
 * as its one-line message with status 1, because a stack trace would bury the only thing the user needs.
 * Anything else is rethrown and crashes as usual.
 */
export function exitOnRefusal(error: unknown): undefined {
  if (!(error instanceof StartRefusedError)) throw error;
  console.error(`stackledger: ${error.message}`);
  process.exitCode = 1;
  return undefined;
}
