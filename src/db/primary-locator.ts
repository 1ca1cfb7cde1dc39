import pg from "pg";
import { parseHostList } from "./connection-string.js";

/** Which host of a (multi-host) URL to use now. */
export interface PrimaryLocator {
  /** A single-host URL: the first host that answers (and accepts writes, when asked). */
  current(): Promise<string>;
  /** The connection to the current host failed: look again on the next `current()`. */
  invalidate(): void;
  /** More than one host: failover is possible. */
  readonly multiHost: boolean;
}

/**
 * Finds the primary among the hosts of `url` (`target_session_attrs=read-write`), or the first host that
 * answers. With one host there is nothing to choose and nothing is probed.
 */
export function createPrimaryLocator(url: string, connectTimeoutMs: number): PrimaryLocator {
  const { urls, readWrite } = parseHostList(url);
  if (urls.length === 1 && !readWrite) {
    const only = urls[0]!;
    return { current: async () => only, invalidate: () => {}, multiHost: false };
  }
  let chosen: string | undefined;
  let probing: Promise<string> | undefined;
  const probe = async (): Promise<string> => {
    const reasons: string[] = [];
    for (const candidate of urls) {
      const client = new pg.Client({
        connectionString: candidate,
        connectionTimeoutMillis: connectTimeoutMs,
      });
      client.on("error", () => {});
      try {
        await client.connect();
        const { rows } = await client.query<{ standby: boolean }>("select pg_is_in_recovery() as standby");
        if (readWrite && rows[0]?.standby) {
          reasons.push(`${hostOf(candidate)}: a standby`);
          continue;
        }
        return candidate;
      } catch (error) {
        reasons.push(`${hostOf(candidate)}: ${(error as Error).message}`);
      } finally {
        await client.end().catch(() => {});
      }
    }
    // Shaped like pg's own connection failures, so callers answer 503 and retry.
    throw Object.assign(new Error(`no ${readWrite ? "writable " : ""}host answers (${reasons.join("; ")})`), {
      code: "08001",
    });
  };
  return {
    multiHost: urls.length > 1,
    async current() {
      if (chosen) return chosen;
      probing ??= probe().finally(() => {
        probing = undefined;
      });
      chosen = await probing;
      return chosen;
    },
    invalidate() {
      chosen = undefined;
    },
  };
}

function hostOf(url: string): string {
  return /:\/\/(?:[^@/]*@)?([^/?]*)/.exec(url)?.[1] ?? url;
}
