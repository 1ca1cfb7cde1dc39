import type { CompanyDetail, CompanyLayers, Edge, Ranking, Timeline, ViewState } from "./client/render.js";

/** What the dashboard needs of the app: Hono's `app.request`, so every read goes through the public API. */
export interface InProcessApi {
  request(path: string): Response | Promise<Response>;
}

/** A non-2xx answer of the API, with its problem+json detail. */
export class ApiProblemError extends Error {
  override name = "ApiProblemError";
  constructor(
    readonly status: number,
    readonly path: string,
    detail: string,
  ) {
    super(detail);
  }
}

interface Page {
  readonly asOf: string;
  readonly cursor: string;
  readonly next?: string;
}

/** The first view's time state plus its rows, every page followed. */
export interface ViewResult<T> {
  readonly asOf: string;
  readonly cursor: string;
  readonly rows: T[];
}

/**
 * Typed reads of the JSON API, in process. @NOTE The page must show only what a client could see, which is
 * why this goes through `app.request` rather than the view reader: it proves the API is enough.
 */
export function createViewClient(api: InProcessApi) {
  async function get<T>(path: string): Promise<T> {
    const response = await api.request(path);
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { detail?: string; errors?: unknown };
      const errors = Array.isArray(body.errors)
        ? ` (${(body.errors as { path: string; message: string }[]).map((e) => `${e.path}: ${e.message}`).join("; ")})`
        : "";
      throw new ApiProblemError(response.status, path, `${body.detail ?? response.statusText}${errors}`);
    }
    return (await response.json()) as T;
  }

  async function list<T, K extends string>(path: string, key: K, params: URLSearchParams) {
    params.set("limit", "10000");
    const rows: T[] = [];
    let first: Page | undefined;
    for (;;) {
      const body = await get<Page & Record<K, T[]>>(`${path}?${params}`);
      first ??= body;
      rows.push(...body[key]);
      if (!body.next) break;
      params.set("after", body.next);
    }
    return { asOf: first.asOf, cursor: first.cursor, rows } satisfies ViewResult<T>;
  }

  const timeParams = (state: ViewState) => {
    const params = new URLSearchParams();
    if (state.asOf) params.set("asOf", state.asOf);
    if (state.knownAt) params.set("knownAt", state.knownAt);
    return params;
  };

  return {
    layers: (state: ViewState) =>
      list<CompanyLayers, "companies">("/v1/views/layers", "companies", timeParams(state)),
    rankings: (state: ViewState) =>
      list<Ranking, "rankings">("/v1/views/rankings", "rankings", timeParams(state)),
    dependencies(state: ViewState) {
      const params = timeParams(state);
      if (state.company) params.set("company", state.company);
      if (state.layer) params.set("layer", state.layer);
      return list<Edge, "edges">("/v1/views/dependencies", "edges", params);
    },
    company: (id: string, state: ViewState) =>
      get<CompanyDetail>(`/v1/views/layers/${encodeURIComponent(id)}?${timeParams(state)}`),
    timeline: (id: string, state: ViewState) =>
      get<Timeline>(`/v1/companies/${encodeURIComponent(id)}/timeline?${timeParams(state)}`),
    /** One page of the deal list (the query as built by the page: time state, filters, limit). */
    deals: (query: string) =>
      get<{ asOf: string; cursor: string; deals: unknown[]; next?: string }>(`/v1/deals?${query}`),
    deal: (id: string, state: ViewState) =>
      get<{ asOf: string; cursor: string; deal: unknown; history: unknown[] }>(
        `/v1/deals/${encodeURIComponent(id)}?${timeParams(state)}`,
      ),
    events: (after: string | undefined) =>
      get<{ events: LogEnvelope[]; next: string; end?: true }>(
        `/v1/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`,
      ),
  };
}

export type ViewClient = ReturnType<typeof createViewClient>;

export interface LogEnvelope {
  readonly cursor: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
}
