import { z } from "zod";
import { isRecord } from "./primitives.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Metadata rides along every event row and every feed message, so it is kept small and shallow. */
export const MAX_METADATA_BYTES = 4096;
export const MAX_METADATA_DEPTH = 8;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Why `value` (a container at nesting `level`, the top object being level 1) is not acceptable JSON
 * metadata, or null. The walk stops below the depth limit, so a hostile, deeply nested body cannot
 * exhaust the stack.
 */
const jsonProblem = (value: unknown, level: number): string | null => {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : "metadata numbers must be finite";
  const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : null;
  if (children === null) return `metadata must be plain JSON, not ${typeof value}`;
  if (level > MAX_METADATA_DEPTH) return `metadata is nested more than ${MAX_METADATA_DEPTH} levels deep`;
  for (const child of children) {
    const problem = jsonProblem(child, level + 1);
    if (problem) return problem;
  }
  return null;
};

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/** A JSON object (not an array or null), at most 4 KiB as JSON (UTF-8 bytes) and 8 levels deep. */
export const EventMetadata = z
  .custom<JsonObject>(isPlainObject, { error: "metadata must be a JSON object" })
  .superRefine((metadata, ctx) => {
    const problem = jsonProblem(metadata, 1);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem, input: metadata });
      return;
    }
    const bytes = utf8Length(JSON.stringify(metadata));
    if (bytes > MAX_METADATA_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `metadata is ${bytes} bytes as JSON; at most ${MAX_METADATA_BYTES} are allowed`,
        input: metadata,
      });
    }
  });
export type EventMetadata = z.infer<typeof EventMetadata>;
