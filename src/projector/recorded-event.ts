import type { RecordedEvent } from "../domain/event-types.js";
import type { StoredEvent } from "../event-log/stored-event.js";

/** The log's event as the pure reducers see it. */
export function toRecordedEvent(event: StoredEvent): RecordedEvent {
  return {
    eventId: event.id,
    type: event.type,
    data: event.data,
    position: event.position,
    recordedAt: event.recordedAt,
  };
}
