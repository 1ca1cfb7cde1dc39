/**
 * Deep comparison of JSON values for tests: returns the JSON path and both values at the first difference,
 * or undefined when equal. Numbers match within `tolerance`; object key order is compared too when `keyOrder`.
 */
export interface Difference {
  readonly path: string;
  readonly actual: unknown;
  readonly expected: unknown;
  readonly reason: string;
}

export function firstDifference(
  actual: unknown,
  expected: unknown,
  options: { tolerance?: number; keyOrder?: boolean } = {},
  path = "$",
): Difference | undefined {
  const tolerance = options.tolerance ?? 0.0005;
  if (typeof expected === "number" && typeof actual === "number") {
    return Math.abs(actual - expected) <= tolerance
      ? undefined
      : { path, actual, expected, reason: "number" };
  }
  if (expected === null || typeof expected !== "object") {
    return Object.is(actual, expected) ? undefined : { path, actual, expected, reason: "value" };
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return { path, actual, expected, reason: "not an array" };
    for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
      const d = firstDifference(actual[i], expected[i], options, `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return actual.length === expected.length
      ? undefined
      : { path: `${path}.length`, actual: actual.length, expected: expected.length, reason: "length" };
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
    return { path, actual, expected, reason: "not an object" };
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (!(key in a))
      return { path: `${path}.${key}`, actual: undefined, expected: e[key], reason: "missing key" };
    const d = firstDifference(a[key], e[key], options, `${path}.${key}`);
    if (d !== undefined) return d;
  }
  for (const key of Object.keys(a)) {
    if (!(key in e))
      return { path: `${path}.${key}`, actual: a[key], expected: undefined, reason: "extra key" };
  }
  if (options.keyOrder === true) {
    const ak = Object.keys(a).join(",");
    const ek = Object.keys(e).join(",");
    if (ak !== ek) return { path, actual: ak, expected: ek, reason: "key order" };
  }
  return undefined;
}
