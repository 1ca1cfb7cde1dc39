import { z } from "zod";
import { isRecord } from "./primitives.js";

export type IssuePath = readonly PropertyKey[];
export type ReportIssue = (path: IssuePath, message: string) => void;

/**
 * A rule between fields of one object, reported at the offending field's path.
 *
 * It runs even when other fields failed (zod skips refinements after a failure by default), so one
 * request reports every problem at once; rules therefore look at the data as `unknown` values.
 */
export const crossFieldRule = <T>(rule: (data: Record<string, unknown>, report: ReportIssue) => void) =>
  z.superRefine<T>(
    (value, ctx) => {
      if (!isRecord(value)) return;
      rule(value, (path, message) =>
        ctx.addIssue({ code: "custom", message, path: [...path], input: value }),
      );
    },
    { when: (payload) => isRecord(payload.value) },
  );

/** Reports every repeat of an earlier entry, at the repeat's own path. */
export const reportDuplicates = (
  list: unknown,
  keyOf: (entry: unknown) => unknown,
  pathOf: (index: number) => IssuePath,
  message: (key: string) => string,
  report: ReportIssue,
): void => {
  if (!Array.isArray(list)) return;
  const seen = new Set<string>();
  list.forEach((entry, index) => {
    const key = keyOf(entry);
    if (typeof key !== "string") return;
    if (seen.has(key)) report(pathOf(index), message(key));
    seen.add(key);
  });
};

/** Two parties of one deal that must be different companies; reported on the second. */
export const reportSameParty = (
  data: Record<string, unknown>,
  first: string,
  second: string,
  report: ReportIssue,
): void => {
  const a = data[first];
  if (typeof a === "string" && a === data[second]) report([second], `${second} must differ from ${first}`);
};
