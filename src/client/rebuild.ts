import { sleep } from "./backoff.js";
import type { Transport } from "./create-transport.js";
import type { ProjectionStatus } from "./schemas.js";

export interface RebuildOptions {
  /** Called after each poll with the status of the projections being rebuilt. */
  readonly onProgress?: (status: readonly ProjectionStatus[]) => void;
  /** Poll interval (ms, default 250). */
  readonly pollMs?: number;
  /** Give up after this long (ms, default: no limit). */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/**
 * Requests a rebuild (of one projection, or all) and polls `GET /v1/projections` until each is live
 * again with a `lastRebuild` that finished after the request; answers their final status.
 */
export async function rebuild(
  transport: Transport,
  name: string | undefined,
  options: RebuildOptions = {},
): Promise<ProjectionStatus[]> {
  const requested = await transport.call<ProjectionStatus[]>(name ? "rebuildOne" : "rebuildAll", {
    params: name ? { name } : undefined,
    signal: options.signal,
  });
  const names = new Set(requested.map((p) => p.name));
  const before = new Map(requested.map((p) => [p.name, p.lastRebuild?.finishedAt]));
  return poll(transport, options, (all) => {
    const mine = all.filter((p) => names.has(p.name));
    options.onProgress?.(mine);
    const finished = mine.every(
      (p) =>
        p.status === "live" && p.lastRebuild !== undefined && p.lastRebuild.finishedAt !== before.get(p.name),
    );
    return finished ? mine : undefined;
  });
}

/** Polls until every projection is live and has applied the whole log (no lag); answers their status. */
export function waitUntilLive(
  transport: Transport,
  options: RebuildOptions = {},
): Promise<ProjectionStatus[]> {
  return poll(transport, options, (all) => {
    options.onProgress?.(all);
    return all.every((p) => p.status === "live" && p.lagEvents === 0) ? all : undefined;
  });
}

async function poll<T>(
  transport: Transport,
  options: RebuildOptions,
  check: (status: ProjectionStatus[]) => T | undefined,
): Promise<T> {
  const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
  for (;;) {
    const status = await transport.call<ProjectionStatus[]>("projections", { signal: options.signal });
    const result = check(status);
    if (result !== undefined) return result;
    if (status.some((p) => p.status === "failed")) {
      const failed = status.filter((p) => p.status === "failed").map((p) => p.name);
      throw new Error(`projections failed: ${failed.join(", ")} (GET /v1/projections shows the error)`);
    }
    if (Date.now() > deadline) throw new Error("timed out waiting for the projections");
    await sleep(options.pollMs ?? 250, options.signal);
  }
}
