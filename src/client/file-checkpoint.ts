import type { Checkpoint } from "./memory-checkpoint.js";

/**
 * A checkpoint in a file (Node only), written atomically: the cursor goes to a temporary file that is
 * flushed to disk and then renamed over the old one, so a crash leaves either the old cursor or the new
 * one, never a torn file. `node:fs` is imported on first use so that the client still loads in a browser.
 */
export function fileCheckpoint(path: string): Checkpoint {
  let writes = 0;
  return {
    async load() {
      const { readFile } = await import("node:fs/promises");
      try {
        const text = (await readFile(path, "utf8")).trim();
        return text || undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async save(cursor) {
      const { open, rename } = await import("node:fs/promises");
      writes += 1;
      const temporary = `${path}.${process.pid}.${writes}.tmp`;
      const file = await open(temporary, "w");
      try {
        await file.writeFile(`${cursor}\n`, "utf8");
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, path);
    },
  };
}
