import { z } from "zod";
import type { EventType, eventDataSchemas } from "../events/index.js";
import { EVENT_TYPES, LAYERS, STATUSES } from "../events/index.js";

// The shapes of the API's answers. The client takes its types from here (`z.infer`), the tests parse every
// answer of a real server with them, so a response that drifts from these schemas fails a test rather
// than a user's build. Request shapes come from `src/events/` (the schemas the server validates with).

const Cursor = z.string().min(1);
const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Layer = z.enum(LAYERS);

/** One stored event as every read answers it (`data` and `metadata` exactly as appended). */
export const StoredEventBase = z.object({
  id: z.uuid(),
  type: z.enum(EVENT_TYPES),
  streamId: z.string(),
  streamVersion: z.int().min(1),
  position: z.int(),
  cursor: Cursor,
  recordedAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
});
/** A stored event, narrowed on `type` to its data as sent (defaults not filled in). */
export type StoredEvent<K extends EventType = EventType> = {
  [T in K]: Omit<z.infer<typeof StoredEventBase>, "type" | "data"> & {
    type: T;
    data: z.input<(typeof eventDataSchemas)[T]>;
  };
}[K];

export const AppendedEvent = z.object({
  id: z.uuid(),
  streamId: z.string(),
  streamVersion: z.int().min(1),
  position: z.int(),
  cursor: Cursor,
});
export const AppendResponse = z.object({ events: z.array(AppendedEvent).min(1), cursor: Cursor });
export type AppendResponse = z.infer<typeof AppendResponse>;

export const EventsPage = z.object({
  events: z.array(StoredEventBase),
  next: Cursor,
  end: z.literal(true).optional(),
});
export const StreamResponse = z.object({
  streamId: z.string(),
  version: z.int(),
  events: z.array(StoredEventBase),
});
export type StreamResponse = Omit<z.infer<typeof StreamResponse>, "events"> & { events: StoredEvent[] };

const viewHeader = { asOf: IsoDay, cursor: Cursor };

export const LayerHolding = z.object({
  weight: z.number(),
  path: z.string(),
  via: z.string().optional(),
  since: IsoDay,
});
export const CompanyLayers = z.object({
  companyId: z.string(),
  name: z.string(),
  layers: z.partialRecord(Layer, LayerHolding),
  plannedLayers: z.array(Layer),
  controlledBy: z.string().optional(),
  ultimateParent: z.string(),
});
export type CompanyLayers = z.infer<typeof CompanyLayers>;
export const LayersPage = z.object({
  ...viewHeader,
  companies: z.array(CompanyLayers),
  next: z.string().optional(),
});

export const CompanyView = CompanyLayers.extend({
  ...viewHeader,
  controls: z.array(z.object({ companyId: z.string(), stake: z.number(), since: IsoDay })),
});
export type CompanyView = z.infer<typeof CompanyView>;

export const DependencyEdge = z.object({
  customer: z.string(),
  supplier: z.string(),
  layer: z.string(),
  weight: z.number(),
  totalValueUsd: z.number().nullable(),
  firstSeen: IsoDay,
  deals: z.array(z.string()),
});
export type DependencyEdge = z.infer<typeof DependencyEdge>;
export const DependenciesPage = z.object({
  ...viewHeader,
  edges: z.array(DependencyEdge),
  next: z.string().optional(),
});

export const Ranking = z.object({
  rank: z.int(),
  companyId: z.string(),
  name: z.string(),
  score: z.number(),
  layers: z.partialRecord(Layer, z.number()),
  directLayers: z.int(),
  attainedAt: IsoDay,
});
export type Ranking = z.infer<typeof Ranking>;
export const RankingsPage = z.object({
  ...viewHeader,
  rankings: z.array(Ranking),
  next: z.string().optional(),
});

export const TimelineResponse = z.object({
  companyId: z.string(),
  events: z.array(StoredEventBase.extend({ effectiveDate: IsoDay, status: z.enum(STATUSES).nullable() })),
});
export type TimelineResponse = z.infer<typeof TimelineResponse>;

export const Party = z.object({ companyId: z.string(), name: z.string(), role: z.string() });
export const Deal = z.object({
  dealId: z.string(),
  type: z.enum(EVENT_TYPES),
  status: z.union([z.enum(STATUSES), z.literal("retracted")]).nullable(),
  statusSince: IsoDay.nullable(),
  openedOn: IsoDay,
  endedOn: IsoDay.optional(),
  retracted: z.boolean(),
  layer: z.string().nullable(),
  parties: z.array(Party),
  fields: z.record(z.string(), z.unknown()),
  valueUsd: z.number().nullable(),
  summary: z.string().optional(),
  confidence: z.number().optional(),
  sources: z.array(z.object({ url: z.string(), title: z.string().optional() }).loose()),
  events: z.int(),
  lastRecordedAt: z.string(),
});
export type Deal = z.infer<typeof Deal>;
export const DealsPage = z.object({ ...viewHeader, deals: z.array(Deal), next: z.string().optional() });
export const DealResponse = z.object({
  ...viewHeader,
  deal: Deal,
  history: z.array(
    StoredEventBase.extend({ effectiveDate: IsoDay, inForce: z.boolean(), correctedBy: z.array(z.string()) }),
  ),
});
export type DealResponse = z.infer<typeof DealResponse>;

export const ProjectionStatus = z.object({
  name: z.string(),
  version: z.int().nullable(),
  status: z.enum(["live", "rebuilding", "failed"]),
  cursor: Cursor.nullable(),
  lagEvents: z.number(),
  lagSeconds: z.number(),
  rebuild: z
    .object({
      done: z.number(),
      total: z.number(),
      eventsPerSecond: z.number(),
      etaSeconds: z.number().nullable(),
    })
    .optional(),
  lastRebuild: z.object({ startedAt: z.string(), finishedAt: z.string(), events: z.number() }).optional(),
  error: z.unknown().optional(),
  /** With a read replica (`DATABASE_READ_URL`): readers see the views as of its replay. */
  replica: z
    .object({
      state: z.enum(["replica", "fallback"]),
      lagSeconds: z.number().nullable(),
      lagBytes: z.number().nullable(),
    })
    .optional(),
});
export type ProjectionStatus = z.infer<typeof ProjectionStatus>;
export const ProjectionsResponse = z.array(ProjectionStatus);

export const ViewChange = z.object({
  kind: z.string(),
  companyId: z.string().optional(),
  layer: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  description: z.string(),
});
/** A frame of the changes feed: `cursor` is the event it reflects, `changeCursor` the frame's own id. */
export const FeedChange = z.object({
  projection: z.string(),
  version: z.int(),
  cursor: Cursor,
  asOf: IsoDay,
  changes: z.array(ViewChange),
  changeCursor: Cursor,
});
export type FeedChange = z.infer<typeof FeedChange>;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .loose();
export type Problem = z.infer<typeof Problem>;
