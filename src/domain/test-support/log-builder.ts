/**
 * Builds small event logs for unit tests: registered companies, deals and lifecycle events with readable
 * defaults (a source on every report, a fixed recording day).
 */
import type { RecordedEvent } from "../event-types.js";
import { type DomainState, foldLog } from "../state.js";

type Data = Record<string, unknown>;

const SOURCE = [{ title: "test" }];

export interface LogBuilder {
  readonly events: RecordedEvent[];
  /** Appends an event of any type; returns its id. */
  add(type: string, data: Data, recordedAt?: string): string;
  company(companyId: string, layers?: ReadonlyArray<[string, string?]>, recordedAt?: string): string;
  deal(type: string, dealId: string, status: string, occurredOn: string | undefined, fields: Data): string;
  status(dealId: string, status: string, occurredOn?: string): string;
  amend(dealId: string, changes: Data, occurredOn?: string): string;
  end(dealId: string, occurredOn?: string): string;
  correct(dealId: string, correctsEventId: string, changes: Data): string;
  retract(dealId: string): string;
  /** Folds the first `count` events (all by default). */
  fold(count?: number): DomainState;
}

export function logBuilder(defaultRecordedAt = "2030-01-01T12:00:00Z"): LogBuilder {
  const events: RecordedEvent[] = [];
  const add = (type: string, data: Data, recordedAt = defaultRecordedAt): string => {
    const n = events.length + 1;
    const eventId = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    events.push({ eventId, type, data, position: n, recordedAt });
    return eventId;
  };
  const lifecycle = (type: string, dealId: string, occurredOn: string | undefined, extra: Data): string =>
    add(type, { dealId, ...(occurredOn === undefined ? {} : { occurredOn }), ...extra });
  return {
    events,
    add,
    company(companyId, layers, recordedAt) {
      const data: Data = { companyId, name: companyId.toUpperCase(), kind: "company" };
      if (layers !== undefined) {
        data.layers = layers.map(([layer, since]) => (since === undefined ? { layer } : { layer, since }));
      }
      return add("CompanyRegistered", data, recordedAt);
    },
    deal(type, dealId, status, occurredOn, fields) {
      return add(type, {
        dealId,
        status,
        ...(occurredOn === undefined ? {} : { occurredOn }),
        sources: SOURCE,
        ...fields,
      });
    },
    status: (dealId, status, occurredOn) => lifecycle("DealStatusChanged", dealId, occurredOn, { status }),
    amend: (dealId, changes, occurredOn) => lifecycle("DealAmended", dealId, occurredOn, { changes }),
    end: (dealId, occurredOn) => lifecycle("DealEnded", dealId, occurredOn, {}),
    correct: (dealId, correctsEventId, changes) =>
      lifecycle("DealCorrected", dealId, undefined, { correctsEventId, changes }),
    retract: (dealId) => lifecycle("DealRetracted", dealId, undefined, {}),
    fold: (count) => foldLog(count === undefined ? events : events.slice(0, count)),
  };
}
