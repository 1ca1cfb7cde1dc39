/**
 * The OpenAPI description of the deal endpoints and of CSV answers, generated from the zod schemas that
 * define the deal record and validate the queries.
 */
import { z } from "zod";
import { Deal } from "../domain/deal-schema.js";
import { DealListQuery, DealQuery } from "./deal-query.js";

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "output", unrepresentable: "any" });
const inputJson = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as {
    properties: Record<string, Record<string, unknown>>;
  };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});

const DESCRIPTIONS: Record<string, string> = {
  asOf: "Valid date YYYY-MM-DD (default: today, UTC)",
  knownAt: "Knowledge point: a cursor (default: the projection's checkpoint)",
  limit: "Page size (JSON only; CSV holds every record)",
  after: "The previous page's `next` (for the same sort)",
  waitFor: "Wait until the list reflects this cursor (read-your-writes)",
  timeout: "How long waitFor may wait, in ms",
  company: "Comma list of company ids: a party in any role",
  type: "Comma list of opening event types",
  status: "Comma list of statuses at D, plus `retracted` (left out unless asked for)",
  layer: "Comma list of deal layers",
  from: "openedOn on or after the first day of this PartialDate",
  to: "openedOn on or before the last day of this PartialDate",
  q: "Case-insensitive substring of the deal id, summary, party names, chip/model/product names, source titles",
  minValueUsd: "valueUsd at least this",
  sort: "Order; ties by deal id, deals without a value last",
  format: "`csv` for text/csv (same as `Accept: text/csv`)",
};

/** Query parameters from a zod query schema, described. */
function parameters(schema: z.ZodType) {
  const { properties } = inputJson(schema);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: "query",
    description: DESCRIPTIONS[name],
    schema: property,
  }));
}

/** A `text/csv` alternative for a list response. */
export const CSV_CONTENT = {
  "text/csv": {
    schema: { type: "string" },
    description:
      "RFC 4180 with a header row, every record (no pagination), nested values in named columns, lists joined " +
      "with `; `, formula-like cells prefixed with `'`; `Content-Disposition` names the file, " +
      "`X-Stackledger-Cursor` carries the cursor",
  },
};

export function dealSchemas(): Record<string, unknown> {
  return { Deal: json(Deal) };
}

export function dealPaths(): Record<string, unknown> {
  return {
    "/v1/deals": {
      get: {
        summary: "The record of every deal: filter, search, sort, page, or download as CSV",
        parameters: parameters(DealListQuery),
        responses: {
          "200": {
            description: "Deals listed at D (a status at D), in the sort's order",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["asOf", "cursor", "deals"],
                  properties: {
                    asOf: { type: "string", format: "date" },
                    cursor: { type: "string" },
                    deals: { type: "array", items: ref("Deal") },
                    next: { type: "string", description: "Present when more deals remain" },
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
        },
      },
    },
    "/v1/deals/{dealId}": {
      get: {
        summary: "One deal at D as known at K, with its history",
        parameters: [
          { name: "dealId", in: "path", required: true, schema: { type: "string" } },
          ...parameters(DealQuery),
        ],
        responses: {
          "200": {
            description: "The deal and every event of it known at K, by effective date then log order",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["asOf", "cursor", "deal", "history"],
                  properties: {
                    asOf: { type: "string", format: "date" },
                    cursor: { type: "string" },
                    deal: ref("Deal"),
                    history: {
                      type: "array",
                      items: {
                        allOf: [
                          ref("Envelope"),
                          {
                            type: "object",
                            required: ["effectiveDate", "inForce", "correctedBy"],
                            properties: {
                              effectiveDate: { type: "string", format: "date" },
                              inForce: { type: "boolean" },
                              correctedBy: { type: "array", items: { type: "string", format: "uuid" } },
                            },
                          },
                        ],
                      },
                    },
                  },
                },
              },
            },
          },
          "400": problem("Bad parameters"),
          "404": problem("The deal is not known at K"),
        },
      },
    },
  };
}
