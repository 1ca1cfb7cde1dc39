/**
 * A reason not to open a database at all (its folder is in use, its schema is newer than this code). The
 * message is written for the person who ran the command: the composition roots print it alone, without a
 * stack trace, and exit with a non-zero status (see `src/exit-on-refusal.ts`).
 */
export class StartRefusedError extends Error {
  override name = "StartRefusedError";
}
