import type { LogPosition } from "../event-log/cursor.js";

/** One item of a feed, encoded once however many subscribers receive it. */
export interface FeedEntry {
  readonly at: LogPosition;
  readonly cursor: string;
  /** The SSE frame (`id:`, `event:`, `data:`), ready to write. */
  readonly frame: string;
  /** What filters look at. */
  readonly type: string;
  readonly streamId?: string;
  readonly parties?: readonly string[];
  readonly projection?: string;
}

/** Encodes one SSE frame. `data` is JSON on one line, so one `data:` line suffices. */
export function sseFrame(id: string, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
