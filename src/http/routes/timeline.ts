import { Hono } from "hono";
import { z } from "zod";
import {
  applyEvent,
  compileDeal,
  createDomainState,
  DOMAIN_STATE_CODEC,
  type DomainState,
  dayToIso,
  effectiveDay,
  statusAt,
  utcDayOf,
} from "../../domain/index.js";
import { compareLogPositions, decodeCursor, encodeCursor } from "../../event-log/cursor.js";
import { EventLogError, ValidationError } from "../../event-log/errors.js";
import { EVENT_SELECTION, toEnvelope, toStoredEvent } from "../../event-log/stored-event.js";
import { EVENT_TYPES, IsoDate } from "../../events/index.js";
import type { ProjectionDefinition } from "../../projector/definition.js";
import type { ViewReader } from "../../projector/view-reader.js";
import type { AppDeps, AppEnv } from "../deps.js";
import { parseQuery } from "../parse-query.js";

/** The whole domain folded in memory, to know which deals name a company (not a projection of its own). */
export const COMPANY_INDEX: ProjectionDefinition<DomainState> = {
  name: "company-index",
  version: 1,
  eventTypes: EVENT_TYPES,
  init: createDomainState,
  apply: applyEvent,
  snapshot: DOMAIN_STATE_CODEC,
  rows: () => [],
  describe: () => [],
};

const TimelineQuery = z.strictObject({ asOf: IsoDate.optional(), knownAt: z.string().optional() });

/**
 * GET /v1/companies/{companyId}/timeline: the company's own events and every event of a deal naming it,
 * by effective date then log order, each with its effective date and the deal's status at that date.
 */
export function timelineRoutes(deps: AppDeps & { views: ViewReader }) {
  const app = new Hono<AppEnv>();

  app.get("/:companyId/timeline", async (c) => {
    const companyId = c.req.param("companyId");
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(companyId)) {
      throw new ValidationError([{ path: "companyId", message: "must be a company id" }]);
    }
    const query = parseQuery(c, TimelineQuery);
    const knownAt =
      query.knownAt === undefined ? undefined : decodeCursor(deps.logId, query.knownAt, "knownAt");
    const folded = await deps.views.folded(COMPANY_INDEX.name, knownAt);
    const state = folded.state as DomainState;
    if (!state.companies.has(companyId)) {
      throw new EventLogError(
        404,
        "not-found",
        `Company ${companyId} is not registered (as known at this cursor)`,
      );
    }
    const dealIds = [...(state.dealsByCompany.get(companyId) ?? [])];
    const streams = [`company-${companyId}`, ...dealIds.map((id) => `deal-${id}`)];
    const rows = await (deps.readDb ?? deps.db)
      .selectFrom("events")
      .select([...EVENT_SELECTION])
      .where("stream_id", "in", streams)
      .execute();
    const limitDay = query.asOf === undefined ? Number.POSITIVE_INFINITY : effectiveDay(query.asOf);
    const entries = rows
      .map((row) => toStoredEvent(deps.logId, row))
      .filter((event) => compareLogPositions(event.at, folded.cursor) <= 0)
      .map((event) => {
        const occurredOn = (event.data as { occurredOn?: string }).occurredOn;
        const day = occurredOn ? effectiveDay(occurredOn) : utcDayOf(event.recordedAt);
        const deal = event.streamId.startsWith("deal-")
          ? state.deals.get(event.streamId.slice(5))
          : undefined;
        const status = deal ? (statusAt(compileDeal(deal), day) ?? null) : null;
        return { event, day, status };
      })
      .filter((entry) => entry.day <= limitDay)
      .sort((a, b) => a.day - b.day || compareLogPositions(a.event.at, b.event.at));
    return c.json({
      companyId,
      cursor: encodeCursor(deps.logId, folded.cursor),
      events: entries.map(({ event, day, status }) => ({
        ...toEnvelope(event),
        effectiveDate: dayToIso(day),
        status,
      })),
    });
  });

  return app;
}
