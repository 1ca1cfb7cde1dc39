import { START } from "../../src/event-log/cursor.js";
import { readAll } from "../../src/event-log/read-all.js";
import { rawClient } from "../lib/database.js";
import { copyLogToEmmett, openEmmett } from "../lib/emmett.js";
import { registerCompanies, richCompanyRegistered } from "../lib/events.js";
import { interleave } from "../lib/timing.js";
import type { Workload } from "./types.js";

const PAGE = 1000;
/** One timed full pass per side per run; the order reverses from run to run. */
const SEGMENTS = 1;

const COLUMNS =
  "position, stream_id, stream_version, event_id, type, data, metadata, recorded_at, xid::text as xid";
/** The same columns readAll selects, by position only. */
const KEYSET = `select ${COLUMNS} from events where position > $1 order by position limit ${PAGE}`;

/**
 * Reads the whole log from the start in pages of 1000: `readAll` (gap-free horizon, (xid, position) order,
 * rows mapped to StoredEvent) vs Emmett's `readMessagesBatch` vs a server-side cursor over the same rows.
 * Every timed pass must return every event exactly once.
 */
export const readAllWorkload: Workload = {
  name: "read.all",
  description: `the whole log from the start in pages of ${PAGE} (appended beforehand in 1000-event batches, ~300-byte events)`,
  sides: {
    ours: "readAll, pages of 1000",
    emmett: "Emmett readMessagesBatch, batches of 1000",
    ceiling: `raw pg cursor (declare … for select same columns order by position; fetch ${PAGE}) in one transaction`,
    keyset: `raw pg keyset query (position > $last order by position limit ${PAGE})`,
  },
  ratios: [
    {
      key: "read.all.vs_emmett",
      of: "ours",
      to: "emmett",
      target: { min: 5, source: "issue 5" },
      headline: true,
    },
    {
      key: "read.all.vs_ceiling",
      of: "ours",
      to: "ceiling",
      target: { min: 0.7, source: "issue 5" },
      headline: true,
    },
    { key: "read.all.vs_keyset", of: "ours", to: "keyset" },
  ],
  chart: { ours: "ours", emmett: "emmett", ceiling: "ceiling" },
  poolSize: 4,
  steps: 1 + 4 * SEGMENTS,
  async run(bench, scale, step, run) {
    const count = scale.read;
    step("setup");
    await registerCompanies(bench, count, richCompanyRegistered, false);
    const emmett = await openEmmett(bench.url, 4);
    await copyLogToEmmett(bench.url);
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
      const sides = {
        ours: () => ours(),
        emmett: async () => {
          let after = 0n;
          const positions = new Set<bigint>();
          for (;;) {
            const page = await emmett.readPage(after, PAGE);
            for (const message of page.messages) positions.add(message.globalPosition);
            after = page.last;
            if (page.messages.length < PAGE) break;
          }
          check("Emmett readMessagesBatch", positions.size, count);
          return positions.size;
        },
        ceiling: async () => {
          let read = 0;
          await client.query("begin");
          try {
            await client.query(
              `declare log_cursor no scroll cursor for select ${COLUMNS} from events order by position`,
            );
            for (;;) {
              const { rows } = await client.query(`fetch ${PAGE} from log_cursor`);
              read += rows.length;
              if (rows.length < PAGE) break;
            }
          } finally {
            await client.query("commit");
          }
          check("cursor read", read, count);
          return read;
        },
        keyset: async () => {
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
        },
      };
      // Warm-up: one untimed pass over each table brings it into shared buffers; a few pages of ours warm
      // its query path.
      await sides.keyset();
      await sides.emmett();
      await ours(3);
      return { rates: await interleave(SEGMENTS, SEGMENTS, sides, step, run % 2 === 0) };
    } finally {
      await client.end();
      await emmett.close();
    }
  },
};

function check(what: string, read: number, expected: number): void {
  if (read !== expected) {
    throw new Error(`${what} returned ${read} distinct events from start to end; the log holds ${expected}`);
  }
}
