import type { Context } from "hono";
import type { FieldIssue } from "../event-log/errors.js";

export type JsonBody = { success: true; value: unknown } | { success: false; issues: FieldIssue[] };

/** Reads the body as JSON; malformed JSON is a 400 naming the position, never a 500. */
export async function readJsonBody(c: Context): Promise<JsonBody> {
  const text = await c.req.text();
  try {
    return { success: true, value: JSON.parse(text) };
  } catch (error) {
    return { success: false, issues: [{ path: "", message: `malformed JSON: ${(error as Error).message}` }] };
  }
}
