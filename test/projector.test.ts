import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layerOwnership } from "../projections/index.js";
import type { DomainState } from "../src/domain/index.js";
import { compareLogPositions, decodeCursor, START } from "../src/event-log/cursor.js";
import { readAll } from "../src/event-log/read-all.js";
import { readLiveBuild } from "../src/projector/build-store.js";
import { createProjector } from "../src/projector/create-projector.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { eventually } from "./support/eventually.js";
import { companyRegistered } from "./support/fixtures.js";
import { runCli, type Spawned, waitForOutput } from "./support/spawn-service.js";
import { createTestDatabase, serverOnly, type TestDatabase } from "./support/test-database.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let database: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database, { projections: [layerOwnership] });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

const quiet = () => {};
async function append(body: unknown) {
  const response = await server.request("/v1/events", { method: "POST", json: body });
  expect(response.status).toBeLessThan(300);
  return ((await response.json()) as any).cursor as string;
}
async function liveCompanies(name: string) {
  const build = await readLiveBuild(database.handle.db, name);
  if (!build) return [];
  const rows = await database.handle.db
    .selectFrom(build.table as never)
    .select("key" as never)
    .execute();
  return rows.map((row: any) => row.key).sort();
}

describe("projector runners", () => {
  it("a reducer error stops only that projection and is reported with the event; the others go on", async () => {
    const poisonId = crypto.randomUUID();
    const fragile: ProjectionDefinition<DomainState> = {
      ...layerOwnership,
      name: "fragile",
      apply: (state, event) => {
        if (event.eventId === poisonId) throw new Error("cannot digest this");
        return layerOwnership.apply(state, event);
      },
    };
    const appended = await append({
      events: [
        companyRegistered("first"),
        { id: poisonId, ...companyRegistered("poison") },
        companyRegistered("after"),
      ],
    });
    // The build must meet the poison event. The read horizon is cluster-wide: with another test file's
    // transaction open, a build could fold the log without it, go live, and fail at its next step instead
    // (a live build that fails keeps its table — not the case this test is about).
    const at = decodeCursor(database.logId, appended);
    await eventually(
      () => readAll(database.handle.db, database.logId, { after: START, limit: 10 }),
      (page) => page.events.some((event) => compareLogPositions(event.at, at) >= 0),
      30_000,
    );
    const projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: [fragile, layerOwnership],
      databaseUrl: database.url,
      pollMs: 50,
      log: quiet,
    });
    try {
      const status = await eventually(
        async () => (await (await server.request("/v1/projections")).json()) as any[],
        () => true,
      );
      expect(status.map((p) => p.name)).toEqual(["layer-ownership"]);
      const fragileBuild = await eventually(
        () => readLiveBuild(database.handle.db, "fragile"),
        (build) => build?.status === "failed",
        10_000,
      );
      expect(fragileBuild?.status).toBe("failed");
      const error = await database.handle.db
        .selectFrom("projection_builds")
        .select("error")
        .where("name", "=", "fragile")
        .where("status", "=", "failed")
        .executeTakeFirstOrThrow();
      expect(error.error).toEqual({
        message: expect.stringContaining("cannot digest this"),
        eventId: poisonId,
      });
      // It stays failed (no retry storm, no leftover table) until someone asks for a rebuild. The build is
      // marked failed before its table is dropped: wait for the drop, then give a retry the time to show.
      const fragileBuilds = () =>
        database.handle.db
          .selectFrom("projection_builds")
          .select(["status", "table_name"])
          .where("name", "=", "fragile")
          .execute();
      const tableCount = async (table: string) => {
        const result = await sql<{ n: number }>`
          select count(*)::int as n from pg_tables where tablename = ${table}`.execute(database.handle.db);
        return result.rows[0]?.n;
      };
      const failedTable = (await fragileBuilds())[0]!.table_name;
      expect(
        await eventually(
          () => tableCount(failedTable),
          (n) => n === 0,
          10_000,
        ),
      ).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const builds = await fragileBuilds();
      expect(builds.map((b) => b.status)).toEqual(["failed"]);
      expect(await tableCount(builds[0]!.table_name)).toBe(0);
      const view = await server.request("/v1/projections");
      expect(((await view.json()) as any[]).map((p) => p.name)).toEqual(["layer-ownership"]);
      // The healthy projection applied everything, the poison event included.
      expect(
        await eventually(
          () => liveCompanies("layer-ownership"),
          (keys) => keys.length === 3,
          10_000,
        ),
      ).toEqual(["after", "first", "poison"]);
    } finally {
      await projector.stop();
    }
  });

  it("a changed projection version builds a new table beside the old one and swaps on start", async () => {
    const v1 = { ...layerOwnership, name: "versioned" };
    const first = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: [v1],
      databaseUrl: database.url,
      pollMs: 50,
      log: quiet,
    });
    const old = await eventually(
      () => readLiveBuild(database.handle.db, "versioned"),
      (build) => build?.status === "live",
      10_000,
    );
    await first.stop();
    const v2 = { ...v1, version: 2 };
    const second = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: [v2],
      databaseUrl: database.url,
      pollMs: 50,
      log: quiet,
    });
    try {
      const rebuilt = await eventually(
        () => readLiveBuild(database.handle.db, "versioned"),
        (build) => build?.version === 2 && build.status === "live",
        10_000,
      );
      expect(rebuilt?.table).toBe("rm_versioned_v2_b2");
      expect(old?.table).toBe("rm_versioned_v1_b1");
      // The old table is dropped right after the swap commits: wait for it rather than race it.
      const tables = await eventually(
        () =>
          database.handle.db
            .selectFrom("pg_tables" as never)
            .select("tablename" as never)
            .where("tablename" as never, "like", "rm_versioned%" as never)
            .execute(),
        (rows) => rows.length === 1,
        10_000,
      );
      expect(tables.map((t: any) => t.tablename)).toEqual(["rm_versioned_v2_b2"]);
    } finally {
      await second.stop();
    }
  });

  it("a build left unfinished by a runner that died is retired and its table dropped: the projection is live, not rebuilding for ever", async () => {
    const definition = { ...layerOwnership, name: "interrupted" };
    const start = () =>
      createProjector({
        db: database.handle.db,
        logId: database.logId,
        projections: [definition],
        databaseUrl: database.url,
        pollMs: 50,
        log: quiet,
      });
    let projector = start();
    await eventually(
      () => readLiveBuild(database.handle.db, "interrupted"),
      (build) => build?.status === "live",
      10_000,
    );
    await projector.stop();
    // What a runner whose connection broke mid-rebuild leaves behind: a `building` row and its table.
    await sql`create table rm_interrupted_v1_b2 (key text primary key)`.execute(database.handle.db);
    await database.handle.db
      .insertInto("projection_builds")
      .values({
        name: "interrupted",
        build: 2,
        version: 1,
        table_name: "rm_interrupted_v1_b2",
        status: "building",
        events_total: 10,
        started_at: new Date().toISOString(),
      })
      .execute();
    projector = start();
    try {
      const builds = await eventually(
        () =>
          database.handle.db
            .selectFrom("projection_builds")
            .select(["build", "status"])
            .where("name", "=", "interrupted")
            .orderBy("build")
            .execute(),
        (rows) => rows[1]?.status === "retired",
        10_000,
      );
      expect(builds).toEqual([
        { build: 1, status: "live" },
        { build: 2, status: "retired" },
      ]);
      const tables = await sql<{ tablename: string }>`
        select tablename from pg_tables where tablename like 'rm_interrupted%' order by tablename`.execute(
        database.handle.db,
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(["rm_interrupted_v1_b1"]);
    } finally {
      await projector.stop();
    }
  });

  it("re-evaluates at UTC midnight: a fact dated in the future takes effect on its day and is recorded", async () => {
    let now = new Date("2030-01-30T23:59:00Z");
    const projector = createProjector({
      db: database.handle.db,
      logId: database.logId,
      projections: [{ ...layerOwnership, name: "midnight" }],
      databaseUrl: database.url,
      clock: () => now,
      pollMs: 50,
      log: quiet,
    });
    try {
      const launched = await append({
        type: "ChipLaunchReported",
        data: {
          dealId: "first-chip",
          status: "completed",
          occurredOn: "2030-01-31",
          sources: [{ title: "Launch" }],
          designer: "first",
          chip: "F1",
        },
      });
      const hardware = async () => {
        const build = await readLiveBuild(database.handle.db, "midnight");
        if (!build) return undefined;
        const row = await database.handle.db
          .selectFrom(build.table as never)
          .select("body" as never)
          .where("key" as never, "=", "first" as never)
          .executeTakeFirst();
        return {
          asOf: build.asOf,
          applied: compareLogPositions(build.cursor, decodeCursor(database.logId, launched)) >= 0,
          hardware: (row as any)?.body.layers.hardware,
        };
      };
      // The launch must be applied before the clock moves: were midnight to pass first, the step that
      // re-evaluates could still find the launch out of reach (the read horizon) and record 01-31 without it.
      const before = await eventually(
        hardware,
        (state) => state?.asOf === "2030-01-30" && state.applied,
        20_000,
      );
      expect(before).toEqual({ asOf: "2030-01-30", applied: true, hardware: undefined });
      now = new Date("2030-01-31T00:00:01Z");
      const after = await eventually(hardware, (state) => state?.asOf === "2030-01-31", 20_000);
      expect(after?.hardware).toMatchObject({ path: "direct", since: "2030-01-31" });
      const changes = await database.handle.db
        .selectFrom("view_changes")
        .select(["as_of", "changes"])
        .where("projection", "=", "midnight")
        .execute();
      const gained = changes.flatMap((c) =>
        (c.changes as any[]).filter((change) => change.kind === "layer_gained"),
      );
      expect(gained.map((change) => change.description)).toContain("first gained hardware (direct)");
    } finally {
      await projector.stop();
    }
  });
});

describe("stackledger rebuild", () => {
  it.skipIf(serverOnly("the rebuild command runs in another process"))(
    "rebuilds the named projection beside the live one with progress, then swaps",
    async () => {
      const env = { DATABASE_URL: database.url! };
      const first = runCli(["rebuild", "layer-ownership"], env);
      expect(await first.exited).toBe(0);
      const before = await readLiveBuild(database.handle.db, "layer-ownership");
      const second = runCli(["rebuild", "layer-ownership"], env);
      expect(await second.exited).toBe(0);
      expect(second.output()).toContain("rebuilt: layer-ownership");
      expect(second.output()).toMatch(/rebuilding \[.*\] \d+\/\d+ events/);
      const after = await readLiveBuild(database.handle.db, "layer-ownership");
      expect(after!.build).toBeGreaterThan(before!.build);
      expect(after!.status).toBe("live");
      const unknown = runCli(["rebuild", "nope"], env);
      expect(await unknown.exited).toBe(2);
      expect(unknown.output()).toContain("unknown projections: nope");
    },
    120_000,
  );
});

describe("two processes", () => {
  const processes: Spawned[] = [];
  afterAll(() => {
    for (const p of processes) p.child.kill("SIGKILL");
  });

  it.skipIf(serverOnly("two projector processes need a PostgreSQL server"))(
    "never both run one projection; the standby takes over when the active one dies",
    async () => {
      const env = { DATABASE_URL: database.url! };
      for (let i = 0; i < 2; i += 1) processes.push(runCli(["project"], env));
      await Promise.all(processes.map((p) => waitForOutput(p, /projector running/)));
      const holders = async () => {
        const result = await sql<{ pid: number; app: string }>`
          select l.pid, a.application_name as app
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where l.locktype = 'advisory' and l.classid = ${0x51ed} and l.granted
             and a.datname = ${new URL(database.url!).pathname.slice(1)}`.execute(database.handle.db);
        return result.rows;
      };
      const held = await eventually(holders, (rows) => rows.length === 4, 20_000);
      // One holder per projection, never two for the same one.
      const projectionOf = (app: string) => app.split(":")[1];
      expect(held.map((row) => projectionOf(row.app)).sort()).toEqual([
        "deal-records",
        "dependency-graph",
        "integration-ranking",
        "layer-ownership",
      ]);
      // Kill the process running layer-ownership outright (no cleanup): the standby must take it over.
      const activePid = Number(
        held.find((row) => projectionOf(row.app) === "layer-ownership")!.app.split(":")[2],
      );
      const active = processes.find((p) => p.child.pid === activePid)!;
      const standby = processes.find((p) => p !== active)!;
      active.child.kill("SIGKILL");
      await active.exited;
      const cursor = await append(companyRegistered("after-failover"));
      const taken = await eventually(
        holders,
        (rows) =>
          rows.length === 4 && rows.every((row) => Number(row.app.split(":")[2]) === standby.child.pid),
        20_000,
      );
      expect(taken.map((row) => Number(row.app.split(":")[2]))).toEqual([
        standby.child.pid,
        standby.child.pid,
        standby.child.pid,
        standby.child.pid,
      ]);
      await eventually(
        () => liveCompanies("layer-ownership"),
        (keys) => keys.includes("after-failover"),
        20_000,
      );
      expect(await liveCompanies("layer-ownership")).toContain("after-failover");
      expect(cursor).toEqual(expect.any(String));
      standby.child.kill("SIGTERM");
      expect(await standby.exited).toBe(0);
    },
    90_000,
  );
});
