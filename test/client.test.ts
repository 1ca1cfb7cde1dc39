import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthError,
  ConflictError,
  CursorGoneError,
  createClient,
  type EventInput,
  fileCheckpoint,
  MalformedCursorError,
  memoryCheckpoint,
  NotFoundError,
  PayloadTooLargeError,
  type StoredEvent,
  UnknownReferenceError,
  ValidationError,
  WaitTimeoutError,
} from "../src/client/index.js";
import * as schemas from "../src/client/schemas.js";
import { acquisitionReported, demoEvents, companyRegistered as untypedCompany } from "./support/fixtures.js";
import {
  CLIENT_ADMIN_TOKEN,
  CLIENT_APPEND_TOKEN,
  CLIENT_NO_APPEND_TOKEN,
  createServeStorage,
  type ServeProcess,
  type ServeStorage,
  startServeProcess,
} from "./support/serve-process.js";

let storage: ServeStorage;
let server: ServeProcess;
const client = () => createClient({ url: server.url, token: CLIENT_ADMIN_TOKEN });

beforeAll(async () => {
  storage = await createServeStorage();
  server = await startServeProcess(storage, { env: { STACKLEDGER_MAX_BODY_BYTES: String(256 * 1024) } });
  // The demo data set gives every view something to show.
  await client().append(demoEvents() as never);
}, 90_000);
afterAll(async () => {
  if (server) {
    server.process.child.kill("SIGTERM");
    // A server still draining a feed connection after 10 s is killed rather than holding the suite.
    const timer = setTimeout(() => server.process.child.kill("SIGKILL"), 10_000);
    await server.process.exited;
    clearTimeout(timer);
  }
  await storage?.drop();
});

/** The fixture, typed as the client's input (the compiler checks the catalog's fields). */
const companyRegistered = (companyId: string, extra: Record<string, unknown> = {}) =>
  untypedCompany(companyId, extra) as EventInput<"CompanyRegistered">;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A cursor of this log rewritten to name another log: well-formed, unservable here. */
function cursorOfAnotherLog(cursor: string): string {
  const [format, , xid, position] = Buffer.from(cursor, "base64url").toString("latin1").split(".");
  return Buffer.from(`${format}.000000000000.${xid}.${position}`).toString("base64url");
}

describe("append", () => {
  it("assigns ids, answers the cursor, and answers replayed for an identical retry", async () => {
    const first = await client().append(companyRegistered("cl-one"));
    expect(first.replayed).toBe(false);
    expect(schemas.AppendResponse.parse(first).events).toHaveLength(1);
    const id = first.events[0]!.id;
    const again = await client().append({ ...companyRegistered("cl-one"), id } as never);
    expect(again).toEqual({ ...first, replayed: true });
    const batch = await client().append([
      companyRegistered("cl-two"),
      companyRegistered("cl-three"),
    ] as never);
    expect(batch.events.map((e) => e.streamId)).toEqual(["company-cl-two", "company-cl-three"]);
    expect(batch.cursor).toBe(batch.events[1]!.cursor);
  });

  it("appends to one stream with a batch-wide expected version, and a stale one is a ConflictError", async () => {
    await client().append(companyRegistered("cl-stream"));
    const update = { type: "CompanyUpdated", data: { companyId: "cl-stream", name: "Renamed" } } as const;
    const ok = await client().append(update, { stream: "company-cl-stream", expectedVersion: 1 });
    expect(ok.events[0]!.streamVersion).toBe(2);
    const stale = await client()
      .append(update, { stream: "company-cl-stream", expectedVersion: 1 })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.status).toBe(409);
    expect(stale.requestId).toBeTruthy();
    // Without `stream`, a single event carries the expected version itself.
    const single = await client()
      .append(update, { expectedVersion: "no_stream" })
      .catch((e) => e);
    expect(single).toBeInstanceOf(ConflictError);
  });

  it("turns each problem type into its typed error", async () => {
    const invalid = await client()
      .append({ type: "CompanyRegistered", data: { companyId: "Not A Slug", kind: "nope" } } as never)
      .catch((e) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["events.0.data.companyId", "events.0.data.name"]),
    );
    for (const issue of invalid.errors)
      expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });

    const unknown = await client()
      .append(acquisitionReported("cl-deal-unknown", "cl-nobody", "cl-nothing") as never)
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(UnknownReferenceError);
    expect(unknown.status).toBe(422);

    const anonymous = await createClient({ url: server.url })
      .append(companyRegistered("cl-anon"))
      .catch((e) => e);
    expect(anonymous).toBeInstanceOf(AuthError);
    expect(anonymous.status).toBe(401);
    const noScope = await createClient({ url: server.url, token: CLIENT_NO_APPEND_TOKEN })
      .append(companyRegistered("cl-anon"))
      .catch((e) => e);
    expect(noScope).toBeInstanceOf(AuthError);
    expect(noScope.status).toBe(403);

    const big = Array.from({ length: 400 }, (_, i) =>
      companyRegistered(`cl-big-${i}`, { name: "x".repeat(900) }),
    );
    const tooLarge = await client()
      .append(big as never)
      .catch((e) => e);
    expect(tooLarge).toBeInstanceOf(PayloadTooLargeError);

    const missing = await client()
      .stream("company-cl-nobody")
      .catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);

    const garbage = await client()
      .events({ after: "not-a-cursor" })
      .toArray()
      .catch((e) => e);
    expect(garbage).toBeInstanceOf(MalformedCursorError);
    expect(garbage).toBeInstanceOf(ValidationError);
    const { cursor } = await client().append(companyRegistered("cl-gone"));
    const gone = await client()
      .events({ after: cursorOfAnotherLog(cursor) })
      .toArray()
      .catch((e) => e);
    expect(gone).toBeInstanceOf(CursorGoneError);
    expect(gone.status).toBe(410);

    // A cursor far beyond the log: the view cannot reach it within the timeout.
    const [format, logId] = Buffer.from(cursor, "base64url").toString("latin1").split(".");
    const future = Buffer.from(`${format}.${logId}.99999999999.99999999`).toString("base64url");
    const timeout = await client()
      .views.company("cl-gone", { waitFor: future, timeout: 50 })
      .catch((e) => e);
    expect(timeout).toBeInstanceOf(WaitTimeoutError);
  });
});

describe("reads", () => {
  it("iterates the whole log over pages, with filters, and reads one stream", async () => {
    const all: StoredEvent[] = await client().events({ limit: 7 }).toArray();
    for (const event of all) schemas.StoredEventBase.parse(event);
    expect(all.length).toBeGreaterThanOrEqual(demoEvents().length);
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((a, b) => a - b));
    let pages = 0;
    for await (const page of client().events({ limit: 7 }).pages()) {
      schemas.EventsPage.parse(page);
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 7));
    const registered = await client()
      .events({ types: ["CompanyRegistered"], limit: 5 })
      .toArray();
    expect(registered.length).toBe(all.filter((e) => e.type === "CompanyRegistered").length);
    // From a cursor: only what follows it.
    const tail = await client().events({ after: all[9]!.cursor }).toArray();
    expect(tail.map((e) => e.id)).toEqual(all.slice(10).map((e) => e.id));
    const stream = await client().stream("company-cl-stream");
    expect(schemas.StreamResponse.parse(stream).version).toBe(2);
  });

  it("reads every view, typed by the response schemas, with read-your-writes", async () => {
    const { cursor } = await client().append(companyRegistered("cl-view"));
    const company = await client().views.company("cl-view", { waitFor: cursor, timeout: 10_000 });
    expect(schemas.CompanyView.parse(company).companyId).toBe("cl-view");
    const layerPages = [];
    for await (const page of client().views.layers({ limit: 5, waitFor: cursor }).pages()) {
      layerPages.push(schemas.LayersPage.parse(page));
    }
    expect(layerPages.length).toBeGreaterThan(1);
    const companies = await client().views.layers({ limit: 5 }).toArray();
    expect(companies.map((c) => c.companyId)).toEqual(
      layerPages.flatMap((p) => p.companies.map((c) => c.companyId)),
    );
    expect(companies.map((c) => c.companyId)).toContain("cl-view");
    const edges = await client().views.dependencies({ limit: 3 }).toArray();
    expect(edges.length).toBeGreaterThan(0);
    for (const edge of edges) schemas.DependencyEdge.parse(edge);
    for await (const page of client().views.dependencies().pages()) schemas.DependenciesPage.parse(page);
    const rankings = await client().views.rankings({ limit: 4 }).toArray();
    expect(rankings.map((r) => r.rank)).toEqual(rankings.map((_, i) => i + 1));
    for await (const page of client().views.rankings().pages()) schemas.RankingsPage.parse(page);
    const someone = companies.find((c) => Object.keys(c.layers).length > 0)!;
    const timeline = await client().timeline(someone.companyId);
    expect(schemas.TimelineResponse.parse(timeline).events.length).toBeGreaterThan(0);
    const past = await client()
      .views.company("cl-view", { knownAt: cursorBefore(cursor) })
      .catch((e) => e);
    expect(past).toBeInstanceOf(NotFoundError);
  });

  it("reports projections, rebuilds one with progress, waits until live, and answers the operations", async () => {
    const status = schemas.ProjectionsResponse.parse(await client().projections());
    const name = status[0]!.name;
    const progress: string[] = [];
    const rebuilt = await client().rebuild(name, {
      onProgress: (s) => progress.push(s.map((p) => p.status).join()),
      timeout: 60_000,
    });
    expect(rebuilt.map((p) => p.name)).toEqual([name]);
    expect(rebuilt[0]!.status).toBe("live");
    expect(rebuilt[0]!.lastRebuild?.finishedAt).toEqual(expect.any(String));
    expect(progress.length).toBeGreaterThan(0);
    const rebuildByReader = await createClient({ url: server.url, token: CLIENT_APPEND_TOKEN })
      .rebuild(name)
      .catch((e) => e);
    expect(rebuildByReader).toBeInstanceOf(AuthError);
    const unknownProjection = await client()
      .rebuild("no-such-projection")
      .catch((e) => e);
    expect(unknownProjection).toBeInstanceOf(NotFoundError);
    const live = await client().waitUntilLive({ timeout: 30_000 });
    expect(live.every((p) => p.status === "live" && p.lagEvents === 0)).toBe(true);
    expect(await client().health()).toBeTruthy();
    expect(await client().ready()).toBeTruthy();
    expect(await client().metrics()).toMatch(/^# (HELP|TYPE)/m);
    expect((await client().openapi()).openapi).toBe("3.1.0");
  }, 90_000);
});

/** A knowledge point before `cursor`'s event (the same log, one position earlier). */
function cursorBefore(cursor: string): string {
  const [format, logId, xid, position] = Buffer.from(cursor, "base64url").toString("latin1").split(".");
  return Buffer.from(`${format}.${logId}.${BigInt(xid!) - 1n}.${Number(position) - 1}`).toString("base64url");
}

describe("subscribe", () => {
  it("calls the handler once per event in log order and saves the checkpoint after each", async () => {
    const checkpoint = memoryCheckpoint();
    const seen: StoredEvent[] = [];
    const saved: (string | undefined)[] = [];
    const caughtUp = deferred<string>();
    const subscription = client().subscribe(
      { feed: "events", after: "start", checkpoint, onCaughtUp: (c) => caughtUp.resolve(c) },
      async (event) => {
        saved.push(checkpoint.current());
        seen.push(event);
      },
    );
    try {
      await caughtUp.promise;
      const log = await client().events().toArray();
      expect(seen.map((e) => e.id)).toEqual(log.map((e) => e.id));
      // Before each event, the checkpoint holds the previous event's cursor.
      expect(saved.slice(1)).toEqual(log.slice(0, -1).map((e) => e.cursor));
      const { cursor } = await client().append(companyRegistered("cl-live"));
      await expect.poll(() => seen.at(-1)?.cursor, { timeout: 10_000 }).toBe(cursor);
      expect(checkpoint.current()).toBe(cursor);
    } finally {
      await subscription.stop();
    }
    await subscription.done;
  });

  it("stops when the handler throws, without saving past that event, and a new run resumes at it", async () => {
    const checkpoint = memoryCheckpoint();
    const boom = new Error("handler failed");
    let calls = 0;
    const failing = client().subscribe(
      { feed: "events", after: "start", checkpoint, filters: { types: ["CompanyRegistered"] } },
      () => {
        calls += 1;
        if (calls === 3) throw boom;
      },
    );
    await expect(failing.done).rejects.toBe(boom);
    const registered = await client()
      .events({ types: ["CompanyRegistered"] })
      .toArray();
    expect(checkpoint.current()).toBe(registered[1]!.cursor);
    // The iterator form resumes from the same checkpoint: the failed event comes first.
    const iterator = client().subscribe({
      feed: "events",
      checkpoint,
      filters: { types: ["CompanyRegistered"] },
    });
    const first = await iterator.next();
    expect(first.value?.id).toBe(registered[2]!.id);
    const second = await iterator.next();
    expect(second.value?.id).toBe(registered[3]!.id);
    // Asking for the second one marked the first as handled.
    expect(checkpoint.current()).toBe(registered[2]!.cursor);
    await iterator.return?.();
    expect(checkpoint.current()).toBe(registered[2]!.cursor);
  });

  it("follows the changes feed, each change with its own cursor", async () => {
    const connected = deferred<void>();
    const iterator = client().subscribe({
      feed: "changes",
      after: "now",
      onCaughtUp: () => connected.resolve(),
    });
    const received = (async () => {
      for await (const change of iterator) {
        schemas.FeedChange.parse(change);
        if (change.changes.some((c) => c.companyId === "cl-change")) return change;
      }
      throw new Error("the changes feed ended");
    })();
    await connected.promise;
    const { cursor } = await client().append(
      companyRegistered("cl-change", { layers: [{ layer: "model" }] }),
    );
    const change = await received.finally(() => iterator.stop());
    expect(change.cursor).toBe(cursor);
    expect(change.changeCursor).not.toBe(cursor);
  });

  it("keeps a file checkpoint atomically", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stackledger-checkpoint-"));
    const path = join(dir, "cursor");
    const checkpoint = fileCheckpoint(path);
    expect(await checkpoint.load()).toBeUndefined();
    await Promise.all(Array.from({ length: 20 }, (_, i) => checkpoint.save(`cursor-${i}`)));
    expect(await checkpoint.load()).toMatch(/^cursor-\d+$/);
    await checkpoint.save("last");
    expect(await fileCheckpoint(path).load()).toBe("last");
    expect(await readFile(path, "utf8")).toBe("last\n");
    expect(await readdir(dir)).toEqual(["cursor"]);
  });
});
