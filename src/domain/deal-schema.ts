/**
 * The deal record as the API serves it (api.md, "Deals"). The schema is the source of the type and of the
 * OpenAPI description; the domain builds records, it never parses them.
 */
import { z } from "zod";
import { OPENING_EVENT_TYPES, STATUSES } from "../events/index.js";

export const DEAL_LAYERS = ["capital", "hardware", "compute", "model", "application", "energy"] as const;

export const DealParty = z.object({
  companyId: z.string(),
  name: z.string(),
  role: z.string().describe("The party's field name in the opening event (investee, investor, acquirer, …)"),
});
export type DealParty = z.infer<typeof DealParty>;

export const DealRecordStatus = z.enum([...STATUSES, "retracted"]);

export const Deal = z.object({
  dealId: z.string(),
  type: z.enum(OPENING_EVENT_TYPES),
  status: DealRecordStatus.nullable().describe("Status at D; `retracted` once a retraction is known"),
  statusSince: z.string().nullable().describe("Effective date of the status-setting event in force at D"),
  openedOn: z.string().describe("The opening event's effective date, as corrected"),
  endedOn: z.string().optional().describe("The earliest DealEnded effective by D"),
  retracted: z.boolean(),
  layer: z.enum(DEAL_LAYERS).nullable(),
  parties: z.array(DealParty),
  fields: z
    .record(z.string(), z.unknown())
    .describe("The opening event's type-specific fields at D: corrections, then amendments effective by D"),
  valueUsd: z
    .number()
    .nullable()
    .describe("The headline amount at D in USD (per-month/per-year rules applied)"),
  summary: z.string().optional(),
  confidence: z.number().optional(),
  sources: z.array(z.record(z.string(), z.unknown())),
  events: z.number().int().describe("Events of the deal known at K"),
  lastRecordedAt: z.string(),
});
export type Deal = z.infer<typeof Deal>;
