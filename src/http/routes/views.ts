import { type Context, Hono } from "hono";
import { z } from "zod";
import { compareLogPositions, decodeCursor, encodeCursor, type LogPosition } from "../../event-log/cursor.js";
import { EventLogError, ValidationError } from "../../event-log/errors.js";
import { DEPENDENCY_LAYERS, IsoDate } from "../../events/index.js";
import { ReducerError } from "../../projector/fold-log.js";
import { matchesFilters, type PageRow, type RowFilter } from "../../projector/read-model-table.js";
import type { ViewReader } from "../../projector/view-reader.js";
import { type CsvColumn, csvResponse, wantsCsv } from "../csv.js";
import { dependenciesCsvColumns, layersCsvColumns, rankingsCsvColumns } from "../csv-columns.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseQuery } from "../parse-query.js";

const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a company id");

const ViewQuery = z.strictObject({
  asOf: IsoDate.optional(),
  knownAt: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  after: z.string().optional(),
  waitFor: z.string().optional(),
  timeout: z.coerce.number().int().min(0).max(10_000).default(5000),
  format: z.enum(["json", "csv"]).optional(),
});
const DependenciesQuery = ViewQuery.extend({
  company: slug.optional(),
  layer: z.enum(DEPENDENCY_LAYERS).optional(),
});
type ViewQuery = z.infer<typeof ViewQuery>;

/** 503: the projection stopped on an event its reducer could not apply (see GET /v1/projections). */
export class ProjectionFailedError extends EventLogError {
  override name = "ProjectionFailedError";
  constructor(name: string) {
    super(503, "projection-failed", `The ${name} projection has failed; GET /v1/projections shows the error`);
  }
}

/** 504: the view did not reach the cursor a client waited for. */
export class WaitTimeoutError extends EventLogError {
  override name = "WaitTimeoutError";
  constructor() {
    super(504, "wait-timeout", "The view did not reach the waitFor cursor within the timeout");
  }
}

const PAGE_PREFIX = "p2.";
const encodePage = (sortKey: string) => Buffer.from(`${PAGE_PREFIX}${sortKey}`).toString("base64url");
function decodePage(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(PAGE_PREFIX) || text.length > 512) {
    throw new ValidationError([{ path: "after", message: "not a page token of this view" }]);
  }
  return text.slice(PAGE_PREFIX.length);
}

interface ViewPage {
  asOf: string;
  cursor: string;
  /** Each row's body as JSON text: read-model rows are served without parsing them. */
  rows: string[];
  next?: string;
}

export interface ViewRoutesDeps extends AppDeps {
  readonly views: ViewReader;
  readonly clock: () => Date;
}

/**
 * GET /v1/views/{layers,dependencies,rankings} and /v1/views/layers/{companyId}. A current view (today, no
 * knowledge point) comes from the live read model; a past date or knowledge point from the same reducers
 * folded in memory. Both produce the same rows, so pagination and filters are one code path.
 */
export function viewRoutes(deps: ViewRoutesDeps) {
  const app = new Hono<AppEnv>();
  const { views, logId } = deps;
  const today = () => deps.clock().toISOString().slice(0, 10);

  async function page(
    name: string,
    query: ViewQuery,
    filters: RowFilter[] = [],
    key?: string,
  ): Promise<ViewPage> {
    const asOf = query.asOf ?? today();
    const knownAt = query.knownAt === undefined ? undefined : decodeCursor(logId, query.knownAt, "knownAt");
    const waitFor = query.waitFor === undefined ? undefined : decodeCursor(logId, query.waitFor, "waitFor");
    const after = decodePage(query.after);
    const current = asOf === today() && knownAt === undefined;

    if (current) {
      if (waitFor) await waitUntil(async () => (await views.liveBuild(name))?.cursor, waitFor, query.timeout);
      const found = await views.rows(name, { after, limit: query.limit + 1, filters, key });
      if (found?.build.status === "failed") throw new ProjectionFailedError(name);
      if (found && found.build.asOf === asOf) return finish(asOf, found.build.cursor, found.rows);
    } else if (waitFor) {
      await waitUntil(async () => (await views.folded(name)).cursor, waitFor, query.timeout);
    }
    // A past date, a knowledge point, or no fresh read model yet: fold in memory.
    const folded = await views.folded(name, knownAt).catch((error: unknown) => {
      throw error instanceof ReducerError ? new ProjectionFailedError(name) : error;
    });
    const all = views.viewRows(name, folded, asOf);
    const rows: PageRow[] = [];
    for (const row of all) {
      if (rows.length > query.limit) break;
      if (after !== undefined && row.sortKey <= after) continue;
      if ((key === undefined || row.key === key) && matchesFilters(row.body, filters)) {
        rows.push({ sortKey: row.sortKey, json: JSON.stringify(row.body) });
      }
    }
    return finish(asOf, folded.cursor, rows);

    function finish(viewAsOf: string, cursor: LogPosition, rows: PageRow[]): ViewPage {
      const more = rows.length > query.limit;
      const shown = more ? rows.slice(0, query.limit) : rows;
      return {
        asOf: viewAsOf,
        cursor: encodeCursor(logId, cursor),
        rows: shown.map((row) => row.json),
        ...(more ? { next: encodePage(shown.at(-1)!.sortKey) } : {}),
      };
    }
  }

  // `controls` is the last key of a layer-ownership row; the list view leaves it out. In JSON text an
  // unescaped `"controls"` can only be a key, so cutting at its last occurrence is exact.
  const withoutControls = (json: string) => {
    const at = json.lastIndexOf(',"controls":[');
    return at < 0 ? json : `${json.slice(0, at)}}`;
  };

  /** A list response assembled from the rows' JSON text. */
  const list = (view: ViewPage, key: string, rows: string[]) =>
    `{"asOf":${JSON.stringify(view.asOf)},"cursor":${JSON.stringify(view.cursor)},"${key}":[${rows.join(",")}]${
      view.next ? `,"next":${JSON.stringify(view.next)}` : ""
    }}`;
  const json = { "Content-Type": "application/json; charset=UTF-8" };

  /** The whole list (no pagination) as a streamed CSV file named after the view and its date. */
  async function csv(
    c: Context<AppEnv>,
    name: string,
    file: string,
    query: ViewQuery,
    columns: CsvColumn[],
    filters: RowFilter[] = [],
  ) {
    const view = await page(name, { ...query, after: undefined, limit: 1_000_000_000 }, filters);
    return csvResponse(c, {
      name: `stackledger-${file}-${view.asOf}.csv`,
      cursor: view.cursor,
      columns,
      *records() {
        for (const row of view.rows) yield JSON.parse(row);
      },
    });
  }

  app.get("/layers", async (c) => {
    const query = parseQuery(c, ViewQuery);
    if (wantsCsv(c, query.format)) return csv(c, "layer-ownership", "layers", query, layersCsvColumns());
    const view = await page("layer-ownership", query);
    return c.body(list(view, "companies", view.rows.map(withoutControls)), 200, json);
  });

  app.get("/layers/:companyId", async (c) => {
    const companyId = slug.safeParse(c.req.param("companyId"));
    if (!companyId.success)
      throw new ValidationError([{ path: "companyId", message: "must be a company id" }]);
    const query = parseQuery(c, ViewQuery);
    const { rows, asOf, cursor } = await page(
      "layer-ownership",
      { ...query, after: undefined },
      [],
      companyId.data,
    );
    if (rows.length === 0) {
      throw new EventLogError(
        404,
        "not-found",
        `Company ${companyId.data} is not registered (as known at this cursor)`,
      );
    }
    return c.json({ asOf, cursor, ...(JSON.parse(rows[0]!) as object) });
  });

  app.get("/dependencies", async (c) => {
    const query = parseQuery(c, DependenciesQuery);
    const filters: RowFilter[] = [];
    if (query.company) filters.push({ fields: ["customer", "supplier"], value: query.company });
    if (query.layer) filters.push({ fields: ["layer"], value: query.layer });
    if (wantsCsv(c, query.format)) {
      return csv(c, "dependency-graph", "dependencies", query, dependenciesCsvColumns(), filters);
    }
    const view = await page("dependency-graph", query, filters);
    return c.body(list(view, "edges", view.rows), 200, json);
  });

  app.get("/rankings", async (c) => {
    const query = parseQuery(c, ViewQuery);
    if (wantsCsv(c, query.format))
      return csv(c, "integration-ranking", "rankings", query, rankingsCsvColumns());
    const view = await page("integration-ranking", query);
    return c.body(list(view, "rankings", view.rows), 200, json);
  });

  return app;
}

/** Polls until `read()` reaches `target` in delivery order, or throws 504 after `timeoutMs`. */
export async function waitUntil(
  read: () => Promise<LogPosition | undefined>,
  target: LogPosition,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reached = await read();
    if (reached && compareLogPositions(reached, target) >= 0) return;
    if (Date.now() >= deadline) throw new WaitTimeoutError();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
