import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { PROJECTIONS } from "../projections/index.js";
import { appendEvents } from "../src/event-log/append-events.js";
import { compareLogPositions, decodeCursor, type LogPosition } from "../src/event-log/cursor.js";
import type { ProjectionDefinition } from "../src/projector/definition.js";
import { createViewReader, type ViewReader } from "../src/projector/view-reader.js";
import { eventually } from "./support/eventually.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";

let database: TestDatabase;
const generator = new SyntheticLog({ events: 400, companies: 15, deals: 80, seed: 7 });
const NAME = "dependency-graph";
const DATE = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const append = async (count: number) =>
  decodeCursor(
    database.logId,
    (
      await appendEvents(database.handle.db, generator.nextBatch(count), {
        logId: database.logId,
        actor: "test",
      })
    ).cursor,
  );

/** The head fold once it covers `at` (the read horizon is cluster-wide: see `eventually`). */
const headAt = (reader: ViewReader, at: LogPosition) =>
  eventually(
    () => reader.folded(NAME),
    (folded) => compareLogPositions(folded.cursor, at) >= 0,
    30_000,
  );

/** The registry with the dependency graph's `rows` counted. */
function countingProjections() {
  const counter = { calls: 0 };
  const projections = (PROJECTIONS as readonly ProjectionDefinition<unknown>[]).map((definition) =>
    definition.name === NAME
      ? {
          ...definition,
          rows: (state: unknown, asOf: string) => {
            counter.calls += 1;
            return definition.rows(state, asOf);
          },
        }
      : definition,
  );
  return { projections, counter };
}

describe("a folded view kept between its pages", () => {
  it("computes a view once per state, position and date, and again once the head moves", async () => {
    const middle = await append(150);
    const end = await append(150);
    const { projections, counter } = countingProjections();
    const reader = createViewReader({ db: database.handle.db, logId: database.logId, projections });
    const fresh = () =>
      createViewReader({ db: database.handle.db, logId: database.logId, projections: PROJECTIONS as never });

    const head = await headAt(reader, end);
    const first = reader.viewRows(NAME, head, DATE);
    expect(first.length).toBeGreaterThan(0);
    expect(reader.viewRows(NAME, await reader.folded(NAME), DATE)).toBe(first);
    expect(counter.calls).toBe(1);

    // The head moves on (the same state object, folded further): the view is computed again, from it.
    const moved = await headAt(reader, await append(100));
    expect(moved.state).toBe(head.state);
    const again = reader.viewRows(NAME, moved, DATE);
    expect(counter.calls).toBe(2);
    expect(again).not.toEqual(first);
    const another = fresh();
    expect(again).toEqual(another.viewRows(NAME, await headAt(another, moved.cursor), DATE));

    // Another date, and a knowledge point's fold, are views of their own.
    reader.viewRows(NAME, moved, "2020-06-30");
    const past = await reader.folded(NAME, middle);
    const pastRows = reader.viewRows(NAME, past, DATE);
    expect(counter.calls).toBe(4);
    const other = fresh();
    expect(pastRows).toEqual(other.viewRows(NAME, await other.folded(NAME, middle), DATE));
    expect(reader.viewRows(NAME, moved, DATE)).toBe(again);
    expect(counter.calls).toBe(4);
    // The view at the head's earlier position was replaced when the head moved, not kept beside it.
    expect(reader.viewRows(NAME, head, DATE)).not.toBe(first);
    expect(counter.calls).toBe(5);
  }, 60_000);
});
