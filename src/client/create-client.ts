import type { EventType } from "../events/index.js";
import { type AppendOptions, type AppendResult, append, type EventInput } from "./append.js";
import { createTransport, type QueryFor } from "./create-transport.js";
import { iterateWith } from "./iterate-subscription.js";
import { type Paged, paginate } from "./paginate.js";
import { type RebuildOptions, rebuild, waitUntilLive } from "./rebuild.js";
import type {
  CompanyLayers,
  CompanyView,
  Deal,
  DealResponse,
  DependencyEdge,
  ProjectionStatus,
  Ranking,
  StoredEvent,
  StreamResponse,
  TimelineResponse,
} from "./schemas.js";
import { type FeedItem, type SubscribeOptions, type Subscription, subscribeWith } from "./subscribe.js";

export interface ClientOptions {
  /** The API's base URL, e.g. `http://localhost:3000`. */
  readonly url: string;
  /** A bearer token (needed to append, `append` scope, and to rebuild, `admin` scope). */
  readonly token?: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
  /** How long `append` retries 503s, unknown outcomes and dropped connections (ms, default 30 000). */
  readonly retryFor?: number;
}

/** Options every view takes: the valid date, the knowledge point, and read-your-writes. */
export interface ViewOptions {
  /** Valid date `YYYY-MM-DD` (default: today, UTC). */
  readonly asOf?: string;
  /** Knowledge point: a cursor (default: the projection's checkpoint). */
  readonly knownAt?: string;
  /** Wait (bounded by `timeout`, ms ≤ 10 000) until the view reflects this cursor, e.g. an append's. */
  readonly waitFor?: string;
  readonly timeout?: number;
  /** Page size of list views (the iterator fetches every page). */
  readonly limit?: number;
}
type Page<K extends string, T> = { asOf: string; cursor: string; next?: string } & Record<K, T[]>;
type EventsPage = { events: StoredEvent[]; next: string; end?: true };

export interface DealFilters extends ViewOptions {
  readonly company?: string | readonly string[];
  readonly type?: EventType | readonly EventType[];
  readonly status?: string | readonly string[];
  readonly layer?: string | readonly string[];
  readonly from?: string;
  readonly to?: string;
  readonly q?: string;
  readonly minValueUsd?: number;
  readonly sort?: "-openedOn" | "openedOn" | "-valueUsd" | "valueUsd" | "dealId";
}

/**
 * A client of the stackledger HTTP API: appends with safe retries, every read typed from the API's schemas,
 * list views as async iterators over all pages, and subscriptions that never miss or repeat an event.
 *
 * @example
 * const client = createClient({ url: "http://localhost:3000", token: process.env.STACKLEDGER_TOKEN });
 * const { cursor } = await client.append({ type: "CompanyRegistered", data: { companyId: "acme", name: "Acme", kind: "company" } });
 * const acme = await client.views.company("acme", { waitFor: cursor });
 */
export function createClient(options: ClientOptions) {
  const transport = createTransport(options);
  const retryFor = options.retryFor ?? 30_000;

  const viewPages = <K extends string, T>(
    operation: "layers" | "dependencies" | "rankings" | "deals",
    key: K,
    query: Record<string, unknown>,
  ): Paged<T, Page<K, T>> =>
    paginate(
      (after) =>
        transport.call<Page<K, T>>(operation, { query: { ...(query as QueryFor<typeof operation>), after } }),
      (page) => page[key],
      (page) => page.next,
    );

  const deals = Object.assign(
    (filters: DealFilters = {}): Paged<Deal, Page<"deals", Deal>> =>
      viewPages("deals", "deals", { ...filters }),
    {
      /** `GET /v1/deals/{dealId}`: the deal and its history as known at `knownAt`. */
      get: (dealId: string, view: Omit<ViewOptions, "limit"> = {}) =>
        transport.call<DealResponse>("deal", { params: { dealId }, query: { ...view } }),
    },
  );

  return {
    /** Appends one event or a batch (all or nothing); retried safely, answers `replayed` for a replay. */
    append: (
      events: EventInput | readonly EventInput[],
      appendOptions: AppendOptions = {},
    ): Promise<AppendResult> => append(transport, events, { retryFor, ...appendOptions }),

    /** The log in delivery order, every page (`after` a cursor; no `after`: from the start). */
    events: (
      query: {
        after?: string;
        types?: readonly EventType[];
        companies?: readonly string[];
        limit?: number;
      } = {},
    ): Paged<StoredEvent, EventsPage> => {
      const { after, ...rest } = query;
      return paginate(
        (page) => transport.call<EventsPage>("events", { query: { ...rest, after: page } }),
        (page) => page.events,
        // `next` is always set; `end` says the readable end was reached.
        (page) => (page.end ? undefined : page.next),
        after,
      );
    },

    /** One stream's events (`NotFoundError` if absent). */
    stream: (streamId: string) => transport.call<StreamResponse>("stream", { params: { streamId } }),

    views: {
      layers: (view: ViewOptions = {}) =>
        viewPages<"companies", CompanyLayers>("layers", "companies", { ...view }),
      company: (companyId: string, view: Omit<ViewOptions, "limit"> = {}) =>
        transport.call<CompanyView>("company", { params: { companyId }, query: { ...view } }),
      dependencies: (view: ViewOptions & { company?: string; layer?: string } = {}) =>
        viewPages<"edges", DependencyEdge>("dependencies", "edges", { ...view }),
      rankings: (view: ViewOptions = {}) =>
        viewPages<"rankings", Ranking>("rankings", "rankings", { ...view }),
    },

    /** A company's events and its deals', by effective date. */
    timeline: (companyId: string, view: { asOf?: string; knownAt?: string } = {}) =>
      transport.call<TimelineResponse>("timeline", { params: { companyId }, query: { ...view } }),

    deals,

    /** Status, cursor, lag and rebuild progress of each projection. */
    projections: () => transport.call<ProjectionStatus[]>("projections"),
    /** Rebuilds one projection (or all) and resolves when it is live again (admin scope). */
    rebuild: (name?: string, rebuildOptions?: RebuildOptions) => rebuild(transport, name, rebuildOptions),
    /** Resolves when every projection is live and has applied the whole log. */
    waitUntilLive: (waitOptions?: RebuildOptions) => waitUntilLive(transport, waitOptions),

    /**
     * Follows a feed. With a handler: calls it once per item in log order and saves the checkpoint after
     * each; answers `{ stop, done }`. Without: an async iterator of the same items.
     */
    subscribe: subscribe as {
      <O extends SubscribeOptions>(options: O, handler: (item: FeedItem<O>) => unknown): Subscription;
      <O extends SubscribeOptions>(
        options: O,
      ): AsyncIterableIterator<FeedItem<O>> & { stop(): Promise<void> };
    },

    health: () => transport.call<{ status: string }>("health"),
    ready: () => transport.call<Record<string, unknown>>("ready"),
    metrics: () => transport.call<string>("metrics"),
    openapi: () => transport.call<Record<string, unknown>>("openapi"),
    /**
     * A consistent copy of an embedded server's database as a gzipped tarball (admin scope); what
     * `stackledger backup` saves. A PostgreSQL server answers 501: use pg_basebackup there.
     */
    backup: async (): Promise<Uint8Array> =>
      new Uint8Array(await (await transport.open("backup")).arrayBuffer()),
  };

  function subscribe(
    subscribeOptions: SubscribeOptions,
    handler?: (item: unknown) => unknown,
  ): Subscription | (AsyncIterableIterator<unknown> & { stop(): Promise<void> }) {
    return handler
      ? subscribeWith(transport, subscribeOptions, handler)
      : iterateWith(transport, subscribeOptions);
  }
}

export type Client = ReturnType<typeof createClient>;
