import { z } from "zod";

/**
 * One line of `stackledger export` (NDJSON, delivery order): the event as stored, with what an import must
 * restore: the id, the time the log recorded it and the token that appended it. `streamVersion` is
 * checked on import (the importer stops rather than build another history); `type`, `data` and
 * `metadata` are validated against the catalog as an append would.
 */
export const ExportedEvent = z.object({
  id: z.uuid(),
  type: z.string(),
  streamId: z.string(),
  streamVersion: z.number().int().positive(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()).optional(),
  recordedAt: z.iso.datetime(),
  actor: z.string().nullable(),
});
export type ExportedEvent = z.infer<typeof ExportedEvent>;

/** Tells an export file from a plain file of events (the demo data format): only the export has `recordedAt`. */
export function isExportedLine(json: unknown): boolean {
  return typeof json === "object" && json !== null && "recordedAt" in json;
}
