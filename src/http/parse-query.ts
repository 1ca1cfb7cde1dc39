import type { Context } from "hono";
import type { z } from "zod";
import { ValidationError } from "../event-log/errors.js";

/** Validates the query string against `schema`; a failure is a 400 listing every bad parameter. */
export function parseQuery<T extends z.ZodType>(c: Context, schema: T): z.infer<T> {
  const result = schema.safeParse(c.req.query());
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join(".") || "query",
      message: issue.message,
    })),
    "Invalid query parameters",
  );
}
