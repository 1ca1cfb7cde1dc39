import type { z } from "zod";

/** One problem with an input, at a dotted path such as `events.3.data.sources.0.url`. */
export type ValidationIssue = { path: string; message: string };

export type IssuePathPrefix = readonly (string | number)[];

export const formatIssuePath = (path: readonly PropertyKey[]): string => path.map(String).join(".");

/**
 * Flattens zod issues into `{ path, message }`. zod reports all unknown keys of an object as one
 * issue on the object; we split it per key so each unknown field is named by its own path.
 */
export const toValidationIssues = (
  issues: readonly z.core.$ZodIssue[],
  prefix: IssuePathPrefix = [],
): ValidationIssue[] =>
  issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({
          path: formatIssuePath([...prefix, ...issue.path, key]),
          message: `Unrecognized key: ${key}`,
        }))
      : [{ path: formatIssuePath([...prefix, ...issue.path]), message: issue.message }],
  );
