import { z } from "zod";
import { EVENT_TYPES, eventDataSchemas } from "../events/index.js";
import { CSV_CONTENT, dealPaths, dealSchemas } from "./openapi-deals.js";
import { ExpectedVersionSchema } from "./parse-append-body.js";

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
const UNSUPPORTED_MEDIA_TYPE = problem(
  "A body whose Content-Type is not application/json or application/*+json (parameters allowed)",
);
const REBUILD_ERRORS = {
  "401": problem("Missing, malformed or unknown token"),
  "403": problem("The token lacks the admin scope"),
  "415": UNSUPPORTED_MEDIA_TYPE,
};
const ok = (description: string, schema: object) => ({
  description,
  content: { "application/json": { schema } },
});

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const eventSchemas = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      `${type}Event`,
      {
        type: "object",
        additionalProperties: false,
        required: ["type", "data"],
        properties: {
          id: { type: "string", format: "uuid", description: "Idempotency key; generated when absent" },
          type: { const: type },
          data: json(eventDataSchemas[type] as z.ZodType),
          metadata: {
            type: "object",
            description: "Free JSON object (≤ 4 KiB, ≤ 8 levels): correlation ids and the like",
          },
          expectedVersion: json(ExpectedVersionSchema),
        },
      },
    ]),
  );
  const envelope = {
    type: "object",
    required: [
      "id",
      "type",
      "streamId",
      "streamVersion",
      "position",
      "cursor",
      "recordedAt",
      "data",
      "metadata",
    ],
    properties: {
      id: { type: "string", format: "uuid" },
      type: { enum: [...EVENT_TYPES] },
      streamId: { type: "string" },
      streamVersion: { type: "integer", minimum: 1 },
      position: { type: "integer" },
      cursor: { type: "string", description: "Opaque; pass back as `after`" },
      recordedAt: { type: "string", format: "date-time" },
      data: { type: "object" },
      metadata: { type: "object" },
    },
  };
  const appendResult = {
    type: "object",
    properties: {
      events: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            streamId: { type: "string" },
            streamVersion: { type: "integer" },
            position: { type: "integer" },
            cursor: { type: "string" },
          },
        },
      },
      cursor: { type: "string" },
    },
  };
  const appendResponses = {
    "201": ok("Appended", appendResult),
    "200": ok("Identical replay: the original result, nothing written", appendResult),
    "400": problem("Malformed JSON, schema violation or bad batch shape; `errors` lists every failing path"),
    "401": problem("Missing, malformed or unknown token"),
    "403": problem("The token lacks the append scope"),
    "409": problem("Version conflict, stream rule or an id reused with other content"),
    "413": problem("Body over the limit"),
    "415": UNSUPPORTED_MEDIA_TYPE,
    "422": problem("Unknown companies, deals or corrected events"),
  };
  const security = [{ bearer: [] }];
  return {
    openapi: "3.1.0",
    info: {
      title: "stackledger",
      version: "1",
      description: "Event-sourced record of who controls the AI stack: append deal events, read the log.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        ...eventSchemas,
        EventInput: { oneOf: EVENT_TYPES.map((type) => ref(`${type}Event`)) },
        Envelope: envelope,
        ...dealSchemas(),
        Problem: {
          type: "object",
          required: ["type", "title", "status"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: { path: { type: "string" }, message: { type: "string" } },
              },
            },
          },
        },
      },
    },
    paths: {
      "/v1/events": {
        post: {
          summary: "Append events (one transaction, all or nothing)",
          security,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  oneOf: [
                    {
                      type: "object",
                      additionalProperties: false,
                      required: ["events"],
                      properties: {
                        events: { type: "array", minItems: 1, maxItems: 1000, items: ref("EventInput") },
                      },
                    },
                    ref("EventInput"),
                  ],
                },
              },
            },
          },
          responses: appendResponses,
        },
        get: {
          summary: "Read the log in delivery order",
          parameters: [
            { name: "after", in: "query", schema: { type: "string" }, description: "A cursor, or `start`" },
            {
              name: "limit",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            },
            {
              name: "types",
              in: "query",
              schema: { type: "string" },
              description: "Comma-separated event types",
            },
            {
              name: "companies",
              in: "query",
              schema: { type: "string" },
              description: "Comma-separated company ids",
            },
          ],
          responses: {
            "200": ok("A page", {
              type: "object",
              properties: {
                events: { type: "array", items: ref("Envelope") },
                next: { type: "string" },
                end: { type: "boolean" },
              },
            }),
            "400": problem("Bad parameters or malformed cursor"),
            "410": problem("A cursor of another log"),
          },
        },
      },
      "/v1/streams/{streamId}": {
        get: {
          summary: "Read one stream",
          parameters: [{ name: "streamId", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": ok("The stream", {
              type: "object",
              properties: {
                streamId: { type: "string" },
                version: { type: "integer" },
                events: { type: "array", items: ref("Envelope") },
              },
            }),
            "404": problem("No such stream"),
          },
        },
      },
      "/v1/streams/{streamId}/events": {
        post: {
          summary: "Append to one explicit stream with a batch-wide expected version",
          security,
          parameters: [{ name: "streamId", in: "path", required: true, schema: { type: "string" } }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  required: ["events"],
                  properties: {
                    events: { type: "array", minItems: 1, maxItems: 1000, items: ref("EventInput") },
                    expectedVersion: json(ExpectedVersionSchema),
                  },
                },
              },
            },
          },
          responses: appendResponses,
        },
      },
      ...viewPaths(),
      ...dealPaths(),
      "/health": { get: { summary: "Liveness", responses: { "200": ok("Alive", { type: "object" }) } } },
      "/metrics": {
        get: {
          summary:
            "Prometheus metrics: requests, latencies, appends, projection lag, feed subscribers, horizon age",
          responses: {
            "200": {
              description: "Prometheus text format",
              content: { "text/plain": { schema: { type: "string" } } },
            },
          },
        },
      },
      "/ready": {
        get: {
          summary: "Readiness",
          responses: { "200": ok("Ready", { type: "object" }), "503": problem("Not ready") },
        },
      },
    },
  };
}

const query = (name: string, description: string, schema: object = { type: "string" }) => ({
  name,
  in: "query",
  description,
  schema,
});
const VIEW_PARAMETERS = [
  query("asOf", "Valid date YYYY-MM-DD (default: today, UTC)", { type: "string", format: "date" }),
  query("knownAt", "Knowledge point: a cursor (default: the projection's checkpoint)"),
  query("limit", "Page size", { type: "integer", minimum: 1, maximum: 10000, default: 1000 }),
  query("after", "The previous page's `next`"),
  query("waitFor", "Wait until the view reflects this cursor (read-your-writes)"),
  query("timeout", "How long waitFor may wait, in ms", {
    type: "integer",
    minimum: 0,
    maximum: 10000,
    default: 5000,
  }),
  query("format", "`csv` for text/csv (same as `Accept: text/csv`): every record, no pagination", {
    enum: ["json", "csv"],
  }),
];
const viewResponse = (description: string, listKey: string) => ({
  "200": {
    description,
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["asOf", "cursor", listKey],
          properties: {
            asOf: { type: "string", format: "date" },
            cursor: { type: "string", description: "The knowledge point this view reflects" },
            [listKey]: { type: "array", items: { type: "object" } },
            next: { type: "string", description: "Present when more entries remain" },
          },
        },
      },
      ...CSV_CONTENT,
    },
  },
  "400": problem("Bad parameters"),
  "410": problem("A cursor of another log"),
  "503": problem("The projection has failed"),
  "504": problem("waitFor not reached within the timeout"),
});
const sse = (description: string) => ({
  description,
  content: { "text/event-stream": { schema: { type: "string" } } },
});

/** The views, projections, timeline and feed endpoints (their bodies are documented in docs/). */
function viewPaths(): Record<string, unknown> {
  return {
    "/v1/views/layers": {
      get: {
        summary: "Who holds which stack layer, and how (direct or through controlled entities)",
        parameters: VIEW_PARAMETERS,
        responses: viewResponse("Every registered company with its layers", "companies"),
      },
    },
    "/v1/views/layers/{companyId}": {
      get: {
        summary: "One company's layers, plus the entities it controls",
        parameters: [
          { name: "companyId", in: "path", required: true, schema: { type: "string" } },
          ...VIEW_PARAMETERS,
        ],
        responses: { "200": ok("The company", { type: "object" }), "404": problem("Unknown company") },
      },
    },
    "/v1/views/dependencies": {
      get: {
        summary: "The dependency graph: customer → supplier edges by layer, weighted",
        parameters: [
          ...VIEW_PARAMETERS,
          query("company", "Edges touching this company"),
          query("layer", "One dependency layer", {
            enum: ["hardware", "compute", "model", "application", "capital", "energy"],
          }),
        ],
        responses: viewResponse("Edges by weight", "edges"),
      },
    },
    "/v1/views/rankings": {
      get: {
        summary: "Vertical-integration ranking of ultimate parents",
        parameters: VIEW_PARAMETERS,
        responses: viewResponse("Ranked companies", "rankings"),
      },
    },
    "/v1/companies/{companyId}/timeline": {
      get: {
        summary: "A company's events and the events of its deals, by effective date",
        parameters: [
          { name: "companyId", in: "path", required: true, schema: { type: "string" } },
          query("asOf", "Only events effective by this date"),
          query("knownAt", "As the record stood at this cursor"),
        ],
        responses: { "200": ok("The timeline", { type: "object" }), "404": problem("Unknown company") },
      },
    },
    "/v1/projections": {
      get: {
        summary: "Status, cursor, lag and rebuild progress of each projection",
        responses: { "200": ok("Projections", { type: "array" }) },
      },
    },
    "/v1/projections/rebuild": {
      post: {
        summary: "Rebuild every projection beside the live one (admin)",
        security: [{ bearer: [] }],
        responses: { "202": ok("Rebuilding", { type: "array" }), ...REBUILD_ERRORS },
      },
    },
    "/v1/projections/{name}/rebuild": {
      post: {
        summary: "Rebuild one projection beside the live one (admin)",
        security: [{ bearer: [] }],
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          "202": ok("Rebuilding", { type: "array" }),
          ...REBUILD_ERRORS,
          "404": problem("No such projection"),
        },
      },
    },
    "/v1/admin/backup": {
      get: {
        summary:
          "A consistent copy of the embedded database as a gzipped tarball (admin; `stackledger backup`)",
        security: [{ bearer: [] }],
        responses: {
          "200": {
            description: "The data folder, loadable by `stackledger restore`",
            headers: { "Stackledger-Backup-Events": { schema: { type: "integer" } } },
            content: { "application/gzip": { schema: { type: "string", format: "binary" } } },
          },
          "501": problem("A PostgreSQL deployment: use pg_basebackup"),
        },
      },
    },
    "/v1/feed/events": {
      get: {
        summary: "Server-Sent Events of every appended event (resumable with Last-Event-ID)",
        parameters: [
          query("after", "start | now (default) | a cursor"),
          query("types", "Comma-separated event types"),
          query("companies", "Comma-separated company ids (any party)"),
          query("streams", "Comma-separated stream ids"),
        ],
        responses: {
          "200": sse("The stream"),
          "400": problem("Bad cursor or filter"),
          "410": problem("A cursor of another log"),
        },
      },
    },
    "/v1/feed/changes": {
      get: {
        summary: "Server-Sent Events of every change in the views",
        parameters: [
          query("after", "start | now (default) | a change cursor"),
          query("projections", "Comma-separated projection names"),
        ],
        responses: {
          "200": sse("The stream"),
          "400": problem("Bad cursor or filter"),
          "410": problem("A cursor of another log"),
        },
      },
    },
  };
}
