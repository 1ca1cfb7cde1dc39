import { START } from "../../src/event-log/cursor.js";
import { readAll } from "../../src/event-log/read-all.js";
import { rawClient } from "../lib/database.js";
import { registerCompanies, richCompanyRegistered } from "../lib/events.js";
import { interleave } from "../lib/timing.js";
import type { Workload } from "./types.js";

const PAGE = 1000;
/** One timed full pass per side per run; the order alternates from run to run (ours first in odd runs). */
const PAIRS = 1;

/** The same columns readAll selects, by position only: what the gap-free horizon and cursor cost is measured against. */
const KEYSET = `select position, stream_id, stream_version, event_id, type, data, metadata, recorded_at, xid::text as xid
  from events where position > $1 order by position limit ${PAGE}`;

/**
 * Reads the whole log from the start in pages of 1000: `readAll` (xid horizon, (xid, position) order,
 * rows mapped to StoredEvent) vs a raw keyset query on position over one pg connection. Each timed
 * segment is one full pass, and must return every event exactly once.
 */
export const readAllWorkload: Workload = {
  name: "read.all",
  ratioKey: "read.all.vs_ceiling",
  description: `readAll from start to end in pages of ${PAGE} (log appended beforehand in 1000-event batches)`,
  ceilingDescription: `raw pg keyset query (position > $last order by position limit ${PAGE}), same columns`,
  target: { kind: "rate", min: 100_000, source: "issue 2" },
  poolSize: 4,
  steps: 1 + 2 * PAIRS,
  async run(bench, scale, step, run) {
    const count = scale.read;
    step("setup");
    await registerCompanies(bench, count, richCompanyRegistered, false);
    const client = await rawClient(bench.url);
    try {
      const ours = async (maxPages = Number.POSITIVE_INFINITY) => {
        let after = START;
        const positions = new Set<number>();
        for (let pages = 0; pages < maxPages; pages++) {
          const page = await readAll(bench.handle.db, bench.logId, { after, limit: PAGE });
          for (const event of page.events) positions.add(event.position);
          const last = page.events[page.events.length - 1];
          if (last) after = last.at;
          if (page.end) break;
        }
        if (maxPages === Number.POSITIVE_INFINITY) check("readAll", positions.size, count);
        return positions.size;
      };
      const ceiling = async () => {
        let last = "0";
        let read = 0;
        for (;;) {
          const { rows } = await client.query<{ position: string }>(KEYSET, [last]);
          read += rows.length;
          const tail = rows[rows.length - 1];
          if (tail) last = tail.position;
          if (rows.length < PAGE) break;
        }
        check("keyset read", read, count);
        return read;
      };
      // Warm-up: the ceiling's pass brings the table and its primary key into shared buffers; a few pages
      // of ours warm the query path (the timed passes start from the beginning again).
      await ceiling();
      await ours(3);
      return await interleave(
        PAIRS,
        PAIRS,
        () => ours(),
        () => ceiling(),
        (side) => step(side),
        run % 2 === 0,
      );
    } finally {
      await client.end();
    }
  },
};

function check(what: string, read: number, expected: number): void {
  if (read !== expected) {
    throw new Error(`${what} returned ${read} distinct events from start to end; the log holds ${expected}`);
  }
}
