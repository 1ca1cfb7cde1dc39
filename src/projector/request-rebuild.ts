import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

/** Asks the active runner of each projection (in whichever process) to rebuild it beside the live build. */
export async function requestRebuild(db: Kysely<Database>, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db.updateTable("projections").set({ rebuild_requested: true }).where("name", "in", names).execute();
}

export interface RebuildProgress {
  readonly name: string;
  readonly done: number;
  readonly total: number;
  readonly eventsPerSecond: number;
  /** True once a build that finished after `since` is live and no rebuild is pending. */
  readonly finished: boolean;
}

/** Progress of the rebuilds requested at `since`, one entry per projection. */
export async function rebuildProgress(
  db: Kysely<Database>,
  names: readonly string[],
  since: Date,
): Promise<RebuildProgress[]> {
  const builds = await db
    .selectFrom("projection_builds")
    .select(["name", "status", "events_done", "events_total", "events_per_second", "finished_at"])
    .where("name", "in", names)
    .where("started_at", ">=", since.toISOString() as never)
    .execute();
  const pointers = await db
    .selectFrom("projections as p")
    .innerJoin("projection_builds as b", (join) =>
      join.onRef("b.name", "=", "p.name").onRef("b.build", "=", "p.live_build"),
    )
    .select(["p.name", "p.rebuild_requested", "b.finished_at"])
    .where("p.name", "in", names)
    .execute();
  return names.map((name) => {
    const building = builds.find((b) => b.name === name && b.status === "building");
    const pointer = pointers.find((p) => p.name === name);
    const finishedAt = pointer?.finished_at ? new Date(pointer.finished_at) : undefined;
    return {
      name,
      done: Number(building?.events_done ?? 0),
      total: Number(building?.events_total ?? 0),
      eventsPerSecond: Number(building?.events_per_second ?? 0),
      finished: Boolean(pointer && !pointer.rebuild_requested && finishedAt && finishedAt >= since),
    };
  });
}
