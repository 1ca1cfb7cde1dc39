import { Hono } from "hono";
import { dealHistory } from "../../domain/deal-history.js";
import type { DealSort } from "../../domain/deal-list.js";
import { dealPage } from "../../domain/deal-page.js";
import { dealRecordAt } from "../../domain/deal-record.js";
import type { DealRecordsState } from "../../domain/deal-records-state.js";
import { isoToDay } from "../../domain/index.js";
import { compareLogPositions, decodeCursor, encodeCursor, type LogPosition } from "../../event-log/cursor.js";
import { EventLogError, ValidationError } from "../../event-log/errors.js";
import { EVENT_SELECTION, toEnvelope, toStoredEvent } from "../../event-log/stored-event.js";
import { ReducerError } from "../../projector/fold-log.js";
import { createPageCache } from "../../projector/page-cache.js";
import type { ViewReader } from "../../projector/view-reader.js";
import { csvResponse, wantsCsv } from "../csv.js";
import { dealCsvColumns } from "../csv-columns.js";
import { DealListQuery, DealQuery, dealFilters, decodeDealPage, encodeDealPage } from "../deal-query.js";
import { type AppDeps, type AppEnv, pageCacheBytes } from "../deps.js";
import { parseQuery } from "../parse-query.js";
import { type DealRow, readDealRows } from "../read-deal-rows.js";
import { ProjectionFailedError, waitUntil } from "./views.js";

const PROJECTION = "deal-records";
const DEAL_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const JSON_TYPE = { "Content-Type": "application/json; charset=UTF-8" };

/** Rows of one list in its order, page by page: from the read model or from a fold. */
interface Listing {
  readonly asOf: string;
  readonly cursor: LogPosition;
  /**
   * The source may move between two reads (the head fold): a CSV then reads it in one piece, so that the
   * file is the list at `cursor` and the list is ordered once, not once per page.
   */
  readonly moves: boolean;
  read(after: string | undefined, limit: number): Promise<DealRow[]>;
}

export interface DealRoutesDeps extends AppDeps {
  readonly views: ViewReader;
  readonly clock: () => Date;
}

/**
 * GET /v1/deals and /v1/deals/{dealId}. The current list (today, no knowledge point) is one indexed query on
 * the deal-records read model; a past date or knowledge point folds the log like the other views. A deal's
 * page always comes from the fold (kept at the head per process) and the deal's stream.
 */
export function dealRoutes(deps: DealRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { views, logId } = deps;
  // The current list's pages, kept until the build moves (as the views' are).
  const pages = createPageCache<DealRow>(pageCacheBytes(deps));
  const today = () => deps.clock().toISOString().slice(0, 10);

  const folded = (knownAt: LogPosition | undefined) =>
    views.folded(PROJECTION, knownAt).catch((error: unknown) => {
      throw error instanceof ReducerError ? new ProjectionFailedError(PROJECTION) : error;
    });

  async function listing(query: DealListQuery): Promise<Listing> {
    const asOf = query.asOf ?? today();
    const knownAt = query.knownAt === undefined ? undefined : decodeCursor(logId, query.knownAt, "knownAt");
    const waitFor = query.waitFor === undefined ? undefined : decodeCursor(logId, query.waitFor, "waitFor");
    const filters = dealFilters(query);
    const sort: DealSort = query.sort;
    if (asOf === today() && knownAt === undefined) {
      if (waitFor)
        await waitUntil(async () => (await views.liveBuild(PROJECTION))?.cursor, waitFor, query.timeout);
      const build = await views.liveBuild(PROJECTION);
      if (build?.status === "failed") throw new ProjectionFailedError(PROJECTION);
      if (build && build.asOf === asOf) {
        let table = build.table;
        return {
          asOf,
          cursor: build.cursor,
          moves: false,
          async read(after, limit) {
            const options = { filters, sort, after, limit };
            try {
              const read = () => readDealRows(deps.readDb ?? deps.db, table, options);
              return await (pages ? pages.page(build, table, options, read) : read());
            } catch (error) {
              // A rebuild swapped builds and dropped the old table between two statements: read the new one.
              if (!/does not exist/.test((error as Error).message)) throw error;
              const next = await views.liveBuild(PROJECTION);
              if (!next) throw error;
              table = next.table;
              return readDealRows(deps.readDb ?? deps.db, table, { filters, sort, after, limit });
            }
          },
        };
      }
    } else if (waitFor) {
      await waitUntil(async () => (await views.folded(PROJECTION)).cursor, waitFor, query.timeout);
    }
    const { state, cursor } = await folded(knownAt);
    const records = state as DealRecordsState;
    const day = isoToDay(asOf);
    return {
      asOf,
      cursor,
      // A knowledge point's fold stays where it is; the head fold moves on as events are folded.
      moves: knownAt === undefined,
      async read(after, limit) {
        // Only the page's rows become records.
        return dealPage(records, day, filters, sort, after, limit).map((row) => ({
          sortKey: row.sortKey,
          json: JSON.stringify(row.deal),
        }));
      },
    };
  }

  app.get("/", async (c) => {
    const query = parseQuery(c, DealListQuery);
    const after = decodeDealPage(query.after, query.sort);
    const list = await listing(query);
    const cursor = encodeCursor(logId, list.cursor);
    if (wantsCsv(c, query.format)) {
      return csvResponse(c, {
        name: `stackledger-deals-${list.asOf}.csv`,
        cursor,
        columns: dealCsvColumns(),
        async *records() {
          const page = list.moves ? Number.MAX_SAFE_INTEGER : 5000;
          let from: string | undefined;
          for (;;) {
            const rows = await list.read(from, page);
            for (const row of rows) yield JSON.parse(row.json) as unknown;
            if (rows.length < page) return;
            from = rows.at(-1)!.sortKey;
          }
        },
      });
    }
    const rows = await list.read(after, query.limit + 1);
    const more = rows.length > query.limit;
    const shown = more ? rows.slice(0, query.limit) : rows;
    const next = more ? `,"next":${JSON.stringify(encodeDealPage(query.sort, shown.at(-1)!.sortKey))}` : "";
    const body = `{"asOf":${JSON.stringify(list.asOf)},"cursor":${JSON.stringify(cursor)},"deals":[${shown
      .map((row) => row.json)
      .join(",")}]${next}}`;
    return c.body(body, 200, JSON_TYPE);
  });

  app.get("/:dealId", async (c) => {
    const dealId = c.req.param("dealId");
    if (!DEAL_ID.test(dealId) || dealId.length > 64) {
      throw new ValidationError([{ path: "dealId", message: "must be a deal id" }]);
    }
    const query = parseQuery(c, DealQuery);
    const asOf = query.asOf ?? today();
    const knownAt = query.knownAt === undefined ? undefined : decodeCursor(logId, query.knownAt, "knownAt");
    if (query.waitFor !== undefined) {
      const waitFor = decodeCursor(logId, query.waitFor, "waitFor");
      await waitUntil(async () => (await views.folded(PROJECTION)).cursor, waitFor, query.timeout);
    }
    const { state, cursor } = await folded(knownAt);
    const records = state as DealRecordsState;
    const day = isoToDay(asOf);
    const deal = dealRecordAt(records, dealId, day);
    if (deal === undefined) {
      throw new EventLogError(404, "not-found", `Deal ${dealId} is not known (at this cursor)`);
    }
    const rows = await (deps.readDb ?? deps.db)
      .selectFrom("events")
      .select([...EVENT_SELECTION])
      .where("stream_id", "=", `deal-${dealId}`)
      .execute();
    const events = rows
      .map((row) => toStoredEvent(logId, row))
      .filter((event) => compareLogPositions(event.at, cursor) <= 0)
      .sort((a, b) => compareLogPositions(a.at, b.at))
      .map(toEnvelope);
    const history = dealHistory(records, dealId, events, day);
    return c.json({ asOf, cursor: encodeCursor(logId, cursor), deal, history });
  });

  return app;
}
