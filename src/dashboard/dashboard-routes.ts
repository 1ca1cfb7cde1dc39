import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  DEAL_FILTERS,
  type DealFilters,
  dealsQuery,
  renderDeal,
  renderDealFilters,
  renderDeals,
} from "./client/deals.js";
import {
  EDGE_LAYERS,
  escapeHtml,
  LAYERS,
  renderCompany,
  renderGraph,
  renderMatrix,
  renderNeighbourhood,
  renderRankings,
  type ViewState,
} from "./client/render.js";
import { createLogIndex, knownAtFor, type LogIndexSnapshot } from "./log-index.js";
import { type Boot, renderMapSections, renderPage } from "./render-page.js";
import { ApiProblemError, createViewClient, type InProcessApi } from "./view-client.js";

const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/);
// Bad values in a shared link are dropped, not fatal: the page still shows the map.
const DashboardQuery = z.object({
  asOf: z.iso.date().optional().catch(undefined),
  knownAt: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,96}$/)
    .optional()
    .catch(undefined),
  known: z.literal("then").optional().catch(undefined),
  sort: z
    .enum(["name", "layers", ...LAYERS])
    .optional()
    .catch(undefined),
  dir: z.enum(["asc", "desc"]).optional().catch(undefined),
  q: z.string().max(100).optional().catch(undefined),
  company: slug.optional().catch(undefined),
  layer: z
    .enum(EDGE_LAYERS as readonly [string, ...string[]])
    .optional()
    .catch(undefined),
  focus: slug.optional().catch(undefined),
});

const ASSETS = {
  "app.js": "text/javascript; charset=utf-8",
  "deals.js": "text/javascript; charset=utf-8",
  "render.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
} as const;

export interface DashboardDeps {
  /** The app itself: every read goes through its public JSON API (`app.request`). */
  readonly api: InProcessApi;
}

/**
 * The dashboard: `/` (layer matrix, rankings, dependency graph) and `/companies/{id}`, server-rendered from
 * the public API, plus the client script under `/dashboard/` that redraws on the time slider and follows
 * `/v1/feed/changes`.
 */
export function dashboardRoutes({ api }: DashboardDeps) {
  const app = new Hono();
  const views = createViewClient(api);
  const logIndex = createLogIndex(views);
  const assets = new Map<string, Promise<{ text: string; etag: string }>>();
  const asset = (file: keyof typeof ASSETS) => {
    let loaded = assets.get(file);
    if (!loaded) {
      loaded = readFile(new URL(`./client/${file}`, import.meta.url), "utf8").then((text) => ({
        text,
        etag: `"${createHash("sha256").update(text).digest("base64url").slice(0, 16)}"`,
      }));
      assets.set(file, loaded);
    }
    return loaded;
  };

  app.get("/dashboard/:file", async (c) => {
    const file = c.req.param("file");
    if (!Object.hasOwn(ASSETS, file)) return c.notFound();
    const { text, etag } = await asset(file as keyof typeof ASSETS);
    const headers = { ETag: etag, "Cache-Control": "no-cache" };
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(text, 200, { ...headers, "Content-Type": ASSETS[file as keyof typeof ASSETS] });
  });

  /** The request's view state, with "as known then" resolved to the cursor recorded by that day. */
  async function stateOf(query: Record<string, string>) {
    const parsed = DashboardQuery.parse(query);
    const index = await logIndex.snapshot();
    const { known, ...rest } = parsed;
    const state: ViewState = {
      ...rest,
      knownAt: parsed.knownAt ?? (known ? knownAtFor(index.known, parsed.asOf ?? "9999-12-31") : undefined),
    };
    return { state, index };
  }

  async function bootOf(
    page: Boot["page"],
    index: LogIndexSnapshot,
    view: { asOf: string; cursor: string },
    state: ViewState,
  ): Promise<Boot> {
    // Today is the API's default date: a view without asOf says which day that is.
    const today = state.asOf ? (await views.rankings({})).asOf : view.asOf;
    return {
      page,
      today,
      firstDate: index.firstDate && index.firstDate < today ? index.firstDate : today,
      asOf: view.asOf,
      cursor: view.cursor,
      known: index.known,
    };
  }

  app.get("/", async (c) => {
    const { state, index } = await stateOf(c.req.query());
    try {
      const [layers, rankings, edges] = await Promise.all([
        views.layers(state),
        views.rankings(state),
        views.dependencies(state),
      ]);
      const main = await renderMapSections(state, layers.rows, {
        matrix: renderMatrix(layers.rows, state),
        rankings: renderRankings(rankings.rows, state),
        graph: renderGraph(edges.rows, layers.rows, state),
        neighbourhood: renderNeighbourhood(state.focus, edges.rows, layers.rows, state),
      });
      const boot = {
        ...(await bootOf("map", index, layers, state)),
        data: { companies: layers.rows, rankings: rankings.rows, edges: edges.rows },
      };
      return c.html(
        renderPage({
          title: "stackledger — map of the AI stack",
          boot,
          state,
          main: main.toString(),
          css: (await asset("style.css")).text,
        }),
      );
    } catch (error) {
      return errorPage(c, error, state, index);
    }
  });

  app.get("/companies/:companyId", async (c) => {
    const id = c.req.param("companyId");
    const { state, index } = await stateOf(c.req.query());
    try {
      if (!slug.safeParse(id).success) throw new ApiProblemError(404, c.req.path, `No company ${id}`);
      const [detail, edges, timeline, layers] = await Promise.all([
        views.company(id, state),
        views.dependencies({ asOf: state.asOf, knownAt: state.knownAt, company: id }),
        views.timeline(id, state),
        views.layers(state),
      ]);
      const boot = { ...(await bootOf("company", index, detail, state)), companyId: id };
      const main = `<div id="company" data-company="${id}"><h2 class="company-title">${escapeHtml(detail.name)} <span class="muted">${escapeHtml(id)}</span></h2>${renderCompany(detail, edges.rows, timeline, layers.rows, state)}</div>`;
      return c.html(
        renderPage({
          title: `${detail.name} — stackledger`,
          boot,
          state,
          main,
          css: (await asset("style.css")).text,
        }),
      );
    } catch (error) {
      return errorPage(c, error, state, index);
    }
  });

  /** The deal list's filters from a shared link (only the known keys; the API validates their values). */
  const dealFiltersOf = (query: Record<string, string>): DealFilters =>
    Object.fromEntries(
      DEAL_FILTERS.filter((key) => query[key]).map((key) => [key, String(query[key]).slice(0, 200)]),
    );

  app.get("/deals", async (c) => {
    const raw = c.req.query();
    const { state, index } = await stateOf({
      asOf: raw.asOf ?? "",
      knownAt: raw.knownAt ?? "",
      known: raw.known ?? "",
    });
    const filters = dealFiltersOf(raw);
    try {
      const body = await views.deals(`${dealsQuery(state, filters)}&limit=1000`);
      const boot = { ...(await bootOf("deals", index, body, state)), filters };
      const main = `<section id="deals-section" aria-labelledby="deals-title"><div class="section-head"><h2 id="deals-title">Deals</h2>${renderDealFilters(filters)}</div><div id="deals" class="scroll">${renderDeals(body, state, filters)}</div></section>`;
      return c.html(
        renderPage({ title: "Deals — stackledger", boot, state, main, css: (await asset("style.css")).text }),
      );
    } catch (error) {
      return errorPage(c, error, state, index);
    }
  });

  app.get("/deals/:dealId", async (c) => {
    const id = c.req.param("dealId");
    const raw = c.req.query();
    const { state, index } = await stateOf({
      asOf: raw.asOf ?? "",
      knownAt: raw.knownAt ?? "",
      known: raw.known ?? "",
    });
    try {
      if (!slug.safeParse(id).success) throw new ApiProblemError(404, c.req.path, `No deal ${id}`);
      const body = await views.deal(id, state);
      const boot = { ...(await bootOf("deal", index, body, state)), dealId: id };
      const main = `<div id="deal" data-deal="${id}">${renderDeal(body, state)}</div>`;
      return c.html(
        renderPage({ title: `${id} — stackledger`, boot, state, main, css: (await asset("style.css")).text }),
      );
    } catch (error) {
      return errorPage(c, error, state, index);
    }
  });

  async function errorPage(c: Context, error: unknown, state: ViewState, index: LogIndexSnapshot) {
    if (!(error instanceof ApiProblemError)) throw error;
    const status = ([400, 404, 410, 503, 504] as const).find((s) => s === error.status) ?? 500;
    const latest = await views.rankings({});
    const boot = await bootOf("map", index, latest, {});
    const page = await renderPage({
      css: (await asset("style.css")).text,
      title: "stackledger",
      boot,
      state: { ...state, asOf: undefined, knownAt: undefined },
      main: `<p><a href="/">Back to the map as of today</a></p>`,
      error: `The API answered ${error.status}: ${error.message}`,
    });
    return c.html(page.toString(), status);
  }

  return app;
}
