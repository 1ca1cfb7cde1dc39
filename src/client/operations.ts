const VIEW = ["asOf", "knownAt", "limit", "after", "waitFor", "timeout"] as const;

/**
 * Every documented operation and the query parameters the client sends. The client builds each request
 * from this table (it cannot reach a path not listed here), and a test compares it with
 * `/v1/openapi.json`, so the document and the client cannot drift apart.
 */
export const OPERATIONS = {
  append: { method: "POST", path: "/v1/events", query: [] },
  appendToStream: { method: "POST", path: "/v1/streams/{streamId}/events", query: [] },
  events: { method: "GET", path: "/v1/events", query: ["after", "limit", "types", "companies"] },
  stream: { method: "GET", path: "/v1/streams/{streamId}", query: [] },
  layers: { method: "GET", path: "/v1/views/layers", query: VIEW },
  company: { method: "GET", path: "/v1/views/layers/{companyId}", query: VIEW },
  dependencies: { method: "GET", path: "/v1/views/dependencies", query: [...VIEW, "company", "layer"] },
  rankings: { method: "GET", path: "/v1/views/rankings", query: VIEW },
  timeline: { method: "GET", path: "/v1/companies/{companyId}/timeline", query: ["asOf", "knownAt"] },
  deals: {
    method: "GET",
    path: "/v1/deals",
    query: [...VIEW, ...["company", "type", "status", "layer", "from", "to", "q", "minValueUsd", "sort"]],
  },
  deal: { method: "GET", path: "/v1/deals/{dealId}", query: ["asOf", "knownAt", "waitFor", "timeout"] },
  projections: { method: "GET", path: "/v1/projections", query: [] },
  rebuildAll: { method: "POST", path: "/v1/projections/rebuild", query: [] },
  rebuildOne: { method: "POST", path: "/v1/projections/{name}/rebuild", query: [] },
  feedEvents: { method: "GET", path: "/v1/feed/events", query: ["after", "types", "companies", "streams"] },
  feedChanges: { method: "GET", path: "/v1/feed/changes", query: ["after", "projections"] },
  health: { method: "GET", path: "/health", query: [] },
  ready: { method: "GET", path: "/ready", query: [] },
  metrics: { method: "GET", path: "/metrics", query: [] },
  openapi: { method: "GET", path: "/v1/openapi.json", query: [] },
  backup: { method: "GET", path: "/v1/admin/backup", query: [] },
} as const satisfies Record<string, { method: string; path: string; query: readonly string[] }>;

export type OperationName = keyof typeof OPERATIONS;
export type QueryOf<O extends OperationName> = (typeof OPERATIONS)[O]["query"][number];
