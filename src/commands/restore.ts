import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { acquireDataDirLock, LOCK_FILE } from "../db/data-dir-lock.js";
import { stripTarEntries } from "../db/strip-tar-entries.js";

/**
 * `stackledger restore FILE --data-dir DIR`: a new data folder from a backup. It refuses a folder that
 * holds anything (restoring over a database would mix two of them), takes the new folder's lock while it
 * works, and opens the result once so that a damaged backup fails here rather than at the next start.
 * Returns the exit status.
 */
export async function restoreCommand(file: string | undefined, dataDir: string): Promise<number> {
  if (!file) {
    console.error("usage: stackledger restore FILE --data-dir DIR");
    return 2;
  }
  const dir = resolve(dataDir);
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (existing.length > 0) {
    console.error(
      `stackledger: ${dir} is not empty: restore makes a new data folder; name an empty or new one`,
    );
    return 1;
  }

  let archive: Buffer;
  try {
    archive = await readFile(file);
  } catch (error) {
    console.error(`stackledger: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  await mkdir(dir, { recursive: true });
  const lock = await acquireDataDirLock(dir);
  try {
    const gzipped = archive[0] === 0x1f && archive[1] === 0x8b;
    const tar = stripTarEntries(gzipped ? gunzipSync(archive) : archive, (path) =>
      basename(path).startsWith(LOCK_FILE),
    );
    const pglite = await PGlite.create({
      dataDir: dir,
      loadDataDir: new Blob([new Uint8Array(tar)], { type: "application/x-tar" }),
    });
    try {
      const events = await pglite.query<{ n: string }>("select count(*)::text as n from events");
      console.log(
        `restored ${events.rows[0]?.n ?? 0} events into ${dir}; start on it with STACKLEDGER_DATA_DIR=${dir} npm start`,
      );
    } finally {
      await pglite.close();
    }
    return 0;
  } catch (error) {
    // The folder was empty: leave it so, for another attempt with a sound file.
    await emptyFolder(dir);
    console.error(`stackledger: ${file} is not a usable backup: ${(error as Error).message}`);
    return 1;
  } finally {
    await lock.release();
  }
}

async function emptyFolder(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (!entry.startsWith(LOCK_FILE)) await rm(resolve(dir, entry), { recursive: true, force: true });
  }
}
