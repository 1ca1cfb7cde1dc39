import v8 from "node:v8";
import vm from "node:vm";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PROJECTIONS } from "../projections/index.js";
import { encodeCursor } from "../src/event-log/cursor.js";
import { createWakeUp } from "../src/event-log/wake-up.js";
import { createFeed, type Feed } from "../src/feed/create-feed.js";
import { createProjector, type Projector } from "../src/projector/create-projector.js";
import { eventually } from "./support/eventually.js";
import { companyRegistered, demoEvents } from "./support/fixtures.js";
import { createTestDatabase, type TestDatabase } from "./support/test-database.js";
import {
  ADMIN_TOKEN,
  APPEND_TOKEN,
  READ_ONLY_TOKEN,
  startTestServer,
  type TestServer,
} from "./support/test-server.js";

/**
 * Hostile requests, generated from the running server's own OpenAPI document: for every documented
 * operation, fast-check sends requests with wrong types, missing, extra and duplicate keys, deep nesting,
 * huge and non-finite numbers, long strings, control characters, invalid UTF-8, wrong methods and content
 * types, malformed and foreign cursors, bad tokens and over-long bodies. The server must answer every one
 * with a 4xx problem+json (a field path for each 400) or a success, never a 5xx, never write on a rejected
 * request, and keep its memory and subscriber count bounded. FUZZ_RUNS sets the runs per operation (120);
 * FUZZ_DEBUG=1 prints every 400, to see which checks the generators trip most.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const MAX_BODY = 64 * 1024;
const FOREIGN_LOG = "0123456789abcdef0123456789abcdef";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

let database: TestDatabase;
let server: TestServer;
let feed: Feed;
let projector: Projector;
let cursors: string[] = [];
let streamIds: string[] = [];
let companyIds: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const eventWakeUp = createWakeUp();
  const changeWakeUp = createWakeUp();
  feed = await createFeed({
    db: database.handle.db,
    logId: database.logId,
    databaseUrl: database.url,
    eventWakeUp,
    changeWakeUp,
    pollMs: 200,
    timings: { retryMs: 100 },
    log: () => {},
  });
  server = await startTestServer(database, {
    feed,
    projections: PROJECTIONS,
    maxBodyBytes: MAX_BODY,
    onAppended: () => eventWakeUp.signal(),
  });
  projector = createProjector({
    db: database.handle.db,
    logId: database.logId,
    projections: PROJECTIONS,
    databaseUrl: database.url,
    pollMs: 100,
    wakeUp: eventWakeUp,
    onChanges: () => changeWakeUp.signal(),
    log: () => {},
  });
  const seeded = await server.request("/v1/events", { method: "POST", json: { events: demoEvents() } });
  expect(seeded.status).toBe(201);
  const result = (await seeded.json()) as { events: { cursor: string; streamId: string }[]; cursor: string };
  cursors = [result.events[0]!.cursor, result.events[10]!.cursor, result.cursor];
  streamIds = [...new Set(result.events.map((event) => event.streamId))];
  companyIds = streamIds.filter((id) => id.startsWith("company-")).map((id) => id.slice("company-".length));
  // The projector starts with the server: on a loaded machine it may need more than one bounded wait.
  for (const view of ["layers", "dependencies", "rankings"]) {
    let ready = await server.request(`/v1/views/${view}?waitFor=${result.cursor}&timeout=10000`);
    for (let attempt = 1; ready.status === 504 && attempt < 8; attempt += 1)
      ready = await server.request(`/v1/views/${view}?waitFor=${result.cursor}&timeout=10000`);
    expect(ready.status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await projector?.stop();
  await feed?.stop();
  await server?.close();
  await database?.drop();
});

interface Parameter {
  readonly name: string;
  readonly in: "query" | "path";
  readonly required?: boolean;
  readonly schema?: { type?: string; enum?: string[]; minimum?: number; maximum?: number; format?: string };
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly hasBody: boolean;
  readonly secured: boolean;
  readonly sse: boolean;
  /** 5xx answers the document promises (a 501 where the backend cannot do it, say). */
  readonly documented5xx: readonly number[];
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
  readonly chunked?: boolean;
  readonly waits: boolean;
  /** The operation's documented 5xx statuses, when the request is that operation's own method. */
  readonly documented5xx: readonly number[];
}

// ---- generators -------------------------------------------------------------------------------------

/** Percent-encodes every byte of the UTF-8 form (lone surrogates included) outside the unreserved set. */
function percentEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const rawFragments = fc.constantFrom(
  "%FF",
  "%C3%28",
  "%zz",
  "%",
  "%E2%82",
  "%00",
  "%C0%AF",
  "%ED%A0%80",
  "+",
  "%2C",
);
const hostileText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "null",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1e309",
    "-0",
    "0x10",
    "1.5",
    "-1",
    "99999999999999999999999",
    "\u0000",
    "\u202e",
    "\ud800",
    "../../etc/passwd",
    "' or 1=1 --",
    ",",
    ",,,",
    "start",
    "now",
  ),
  fc.integer({ min: 100, max: 6000 }).map((n) => "a".repeat(n)),
);
/** A query or path value: encoded hostile text, raw (possibly invalid) escapes, or a mix. */
const encodedHostile = fc.oneof(
  { weight: 4, arbitrary: hostileText.map(percentEncode) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(rawFragments, hostileText.map(percentEncode)), { maxLength: 4 })
      .map((parts) => parts.join("")),
  },
);

/** Cursors: real ones, another log's, the change feed's, a syntactically valid one with absurd numbers, garbage. */
function cursorValues(waits: boolean) {
  const logPrefix = () => database.logId.slice(0, 12);
  const own = (xid: string, position: string) =>
    Buffer.from(`1.${logPrefix()}.${xid}.${position}`).toString("base64url");
  const absurd = fc
    .tuple(
      fc.constantFrom("0", "1", "18446744073709551615", "18446744073709551616", "99999999999999999999"),
      fc.constantFrom("0", "1", "9007199254740993", "9223372036854775807", "9999999999999999999"),
    )
    .map(([xid, position]) => own(xid, position));
  return fc.oneof(
    { weight: 16, arbitrary: fc.constantFrom(...cursors) },
    fc.constant("start"),
    fc.constant(encodeCursor(FOREIGN_LOG, { xid: "700", position: 3 })),
    fc.constant(encodeCursor(database.logId, { xid: "700", position: 3 }, "change")),
    fc.constant(Buffer.from(`1.${logPrefix()}.x.y`).toString("base64url")),
    // A future cursor of this log makes a waitFor wait its whole timeout: only where nothing waits on it.
    ...(waits ? [] : [absurd]),
    fc
      .string({ unit: "grapheme-ascii", maxLength: 120 })
      .map((text) => Buffer.from(text).toString("base64url")),
    encodedHostile,
  );
}

/** A value for a documented parameter: mostly plausible (so that requests get past the first check), else hostile. */
function parameterValue(parameter: Parameter, waits: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: plausibleValue(parameter, waits) },
    { weight: 1, arbitrary: encodedHostile },
  );
}

function plausibleValue(parameter: Parameter, waits: boolean): fc.Arbitrary<string> {
  const { name, schema = {} } = parameter;
  if (["after", "knownAt", "waitFor"].includes(name)) return cursorValues(waits && name === "waitFor");
  if (name === "timeout") return fc.integer({ min: 0, max: 30 }).map(String);
  if (name === "streamId") return fc.constantFrom(...streamIds, "company-nobody", "deal-nothing");
  if (name === "companyId" || name === "company") return fc.constantFrom(...companyIds, "nobody");
  if (name === "name") return fc.constantFrom(...PROJECTIONS.map((p) => p.name), "nope");
  if (name === "types") {
    const types = fc.constantFrom(
      "CompanyRegistered",
      "AcquisitionReported",
      "DealStatusChanged",
      "CompanyUpdated",
    );
    return fc.array(types, { minLength: 1, maxLength: 3 }).map((list) => list.join(","));
  }
  if (name === "companies" || name === "streams" || name === "projections") {
    const one = fc.constantFrom(...companyIds, ...streamIds, ...PROJECTIONS.map((p) => p.name), "Bad Id");
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc.array(one, { minLength: 1, maxLength: 3 }).map((list) => percentEncode(list.join(","))),
      },
      {
        weight: 1,
        arbitrary: fc.array(one, { minLength: 150, maxLength: 200 }).map((list) => list.join(",")),
      },
    );
  }
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.type === "integer") {
    const min = schema.minimum ?? -1000;
    const max = schema.maximum ?? 1000;
    return fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min, max }).map(String) },
      { weight: 1, arbitrary: fc.integer().map(String) },
    );
  }
  if (schema.format === "date" || name === "asOf") {
    return fc.constantFrom(
      "2025-12-31",
      "2030-01-01",
      "2020-02-29",
      "2021-02-29",
      "0000-01-01",
      "9999-12-31",
      "2025-13-01",
    );
  }
  return encodedHostile;
}

const tokens = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      `Bearer ${APPEND_TOKEN}`,
      `Bearer ${ADMIN_TOKEN}`,
      `Bearer ${READ_ONLY_TOKEN}`,
    ),
  },
  fc.constantFrom(
    undefined,
    "",
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "bearer x",
    `Bearer ${"a".repeat(600)}`,
  ),
  fc
    .string({ unit: "grapheme-ascii", minLength: 1, maxLength: 80 })
    .map((text) => `Bearer ${text.trim() || "x"}`),
);

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      undefined,
      "",
      "application/json; charset=utf-8",
      "application/vnd.api+json",
      "application/problem+json",
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json-seq",
      "application/json;;;",
      "*/*",
      "application/",
      "application/json; charset=latin1",
    ),
  },
);

/** A JSON value meant to break whatever it replaces. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, -0, 1e308, "", [], {}),
  hostileText,
  fc.integer({ min: 1, max: 60 }).map((depth) => nest(depth)),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
);

function nest(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

/** Mutates one spot of a JSON value: drop a key, replace a value, add a key. */
function mutate(value: unknown, route: number[], replacement: unknown, op: number): unknown {
  if (value === null || typeof value !== "object") return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0 || route.length === 0) {
    (copy as Record<string, unknown>)[op % 2 === 0 ? "extra" : "__proto__"] = replacement;
    return copy;
  }
  const key = keys[route[0]! % keys.length]!;
  const target = copy as Record<string, unknown>;
  if (route.length === 1) {
    if (op === 0 && !Array.isArray(copy)) delete target[key];
    else if (op === 1) target[`${key}Extra`] = replacement;
    else target[key] = replacement;
    return copy;
  }
  target[key] = mutate(target[key], route.slice(1), replacement, op);
  return copy;
}

const demo = () => demoEvents();
const freshCompany = fc.stringMatching(/^[a-z]{3,10}$/).map((slug) => companyRegistered(`fz-${slug}`));

function jsonBodies(streamBody: boolean) {
  const event = fc.oneof(
    freshCompany,
    fc.integer({ min: 0, max: 62 }).map((index) => demo()[index] ?? demo()[0]!),
    fc.integer({ min: 0, max: 62 }).map((index) => {
      const { id: _id, ...rest } = demo()[index] ?? demo()[0]!;
      return rest;
    }),
  );
  const mutated = fc
    .tuple(event, fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }), hostileJson, fc.nat(2))
    .map(([base, route, replacement, op]) => mutate(base, route, replacement, op));
  const events = fc.array(fc.oneof(event, mutated), { minLength: 0, maxLength: 4 });
  const wrapped = fc
    .tuple(
      events,
      fc.option(fc.oneof(fc.constantFrom("any", "no_stream", "stream_exists", 0, 3, -1, 1.5, "x"))),
    )
    .map(([list, expectedVersion]) =>
      expectedVersion === null ? { events: list } : { events: list, expectedVersion },
    );
  return streamBody ? fc.oneof(wrapped, mutated) : fc.oneof(wrapped, event, mutated, hostileJson);
}

/** Bodies as bytes: JSON, mutated JSON text (duplicate keys, raw non-finite numbers, deep nesting, bad UTF-8), over-long. */
function bodies(streamBody: boolean): fc.Arbitrary<{ bytes: Uint8Array; chunked: boolean }> {
  const json = jsonBodies(streamBody).map((value) => JSON.stringify(value) ?? "null");
  const text = fc.oneof(
    { weight: 5, arbitrary: json },
    {
      weight: 1,
      arbitrary: json.map((body) => body.replace(/"type":("[^"]*")/, '"type":$1,"type":"CompanyRegistered"')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          json,
          fc.constantFrom(
            "1e999",
            "-1e999",
            "NaN",
            "Infinity",
            "123456789012345678901234567890",
            "-0.0e-999",
          ),
        )
        .map(([body, number]) => body.replace(/:(-?\d+(\.\d+)?|"[^"]*")/, `:${number}`)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 100, max: 60_000 }), fc.boolean())
        .map(([depth, arrays]) =>
          arrays
            ? `{"type":"CompanyRegistered","data":{"companyId":"deep","name":"D","kind":"company"},"metadata":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`
            : `${'{"events":'.repeat(Math.min(depth, 6000))}[]${"}".repeat(Math.min(depth, 6000))}`,
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "{",
        "[",
        "}",
        "null",
        "[]",
        '"x"',
        "\uFEFF{}",
        "{}garbage",
        '{"events":[{}],}',
      ),
    },
  );
  const bytes = fc.oneof(
    {
      weight: 8,
      arbitrary: text.map((body) => ({ bytes: new Uint8Array(Buffer.from(body)), chunked: false })),
    },
    {
      weight: 1,
      // Invalid UTF-8 spliced into the middle of the text.
      arbitrary: fc
        .tuple(
          text,
          fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x00]),
        )
        .map(([body, bad]) => {
          const encoded = Buffer.from(body);
          const at = Math.floor(encoded.length / 2);
          return {
            bytes: new Uint8Array(
              Buffer.concat([encoded.subarray(0, at), Buffer.from(bad), encoded.subarray(at)]),
            ),
            chunked: false,
          };
        }),
    },
    {
      weight: 1,
      // Over the limit, announced or streamed without a length.
      arbitrary: fc
        .tuple(fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 4 }), fc.boolean())
        .map(([size, chunked]) => {
          const head =
            '{"type":"CompanyRegistered","data":{"companyId":"big","name":"B","kind":"company"},"metadata":{"pad":"';
          return { bytes: new Uint8Array(Buffer.from(`${head}${"x".repeat(size)}"}}`)), chunked };
        }),
    },
  );
  return bytes;
}

const OTHER_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

function requests(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const waits = operation.parameters.some((p) => p.name === "waitFor");
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  const pathValues = fc.tuple(...pathParams.map((p) => parameterValue(p, waits)));
  const queryValues = fc.tuple(
    ...queryParams.map((p) => fc.option(parameterValue(p, waits), { freq: 2, nil: undefined })),
  );
  const extras = fc.array(fc.tuple(encodedHostile, encodedHostile), { maxLength: 2 });
  const method = fc.oneof(
    { weight: 9, arbitrary: fc.constant(operation.method) },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
  );
  return fc
    .record({
      method,
      pathValues,
      queryValues,
      extras: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: extras }),
      duplicate: fc.nat(4).map((n) => n === 0),
      token: operation.secured ? tokens : fc.option(tokens, { freq: 4, nil: undefined }),
      contentType: contentTypes,
      body: operation.hasBody
        ? fc.option(bodies(operation.path.includes("{streamId}")), { freq: 12, nil: undefined })
        : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: bodies(false) }),
      lastEventId: operation.sse
        ? fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 1, arbitrary: cursorValues(false) },
          )
        : fc.constant(undefined),
    })
    .map((draw) => {
      let path = operation.path;
      pathParams.forEach((parameter, index) => {
        path = path.replace(`{${parameter.name}}`, draw.pathValues[index] || "x");
      });
      const pairs: string[] = [];
      queryParams.forEach((parameter, index) => {
        const value = draw.queryValues[index];
        if (value === undefined) return;
        pairs.push(`${parameter.name}=${value}`);
        if (draw.duplicate && pairs.length === 1) pairs.push(`${parameter.name}=${value}x`);
      });
      for (const [key, value] of draw.extras ?? []) pairs.push(`${key || "k"}=${value}`);
      const headers: Record<string, string> = {};
      if (draw.token !== undefined) headers.authorization = draw.token;
      if (draw.lastEventId !== undefined && /^[\x20-\x7e]*$/.test(draw.lastEventId))
        headers["last-event-id"] = draw.lastEventId;
      const sendsBody = draw.body !== undefined && draw.method !== "GET" && draw.method !== "HEAD";
      if (sendsBody && draw.contentType !== undefined) headers["content-type"] = draw.contentType;
      return {
        method: draw.method,
        path,
        query: pairs.join("&"),
        headers,
        body: sendsBody ? draw.body?.bytes : undefined,
        chunked: sendsBody && draw.body?.chunked,
        waits,
        // HEAD is answered by the GET route.
        documented5xx:
          draw.method === operation.method || (draw.method === "HEAD" && operation.method === "GET")
            ? operation.documented5xx
            : [],
      };
    });
}

// ---- the oracle ----------------------------------------------------------------------------------------

async function logState() {
  const result = await sql<{ n: number; head: string | null }>`
    select count(*)::int as n, max(position)::text as head from events`.execute(database.handle.db);
  return result.rows[0]!;
}

async function send(request: FuzzRequest) {
  const controller = new AbortController();
  // A request never hangs: the longest legitimate wait (waitFor with a 30 ms timeout) is far below this.
  const timer = setTimeout(() => controller.abort(new Error("no answer within 10 s")), 10_000);
  const body =
    request.body === undefined
      ? undefined
      : request.chunked
        ? new ReadableStream<Uint8Array>({
            start(stream) {
              stream.enqueue(request.body!);
              stream.close();
            },
          })
        : request.body;
  try {
    const response = await fetch(`${server.url}${request.path}${request.query ? `?${request.query}` : ""}`, {
      method: request.method,
      headers: request.headers,
      body,
      signal: controller.signal,
      ...(request.chunked ? { duplex: "half" } : {}),
    } as RequestInit);
    const contentType = response.headers.get("content-type") ?? "";
    if (contentType.startsWith("text/event-stream")) {
      // A feed: the status and headers are what is checked; drop the subscription at once.
      controller.abort();
      return { response, text: "" };
    }
    return { response, text: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body ? Buffer.from(request.body).toString("utf8") : "";
  return `${request.method} ${request.path}?${request.query.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 300)} body(${request.body?.length ?? 0}${request.chunked ? ", chunked" : ""}): ${body.slice(0, 300)}`;
}

async function check(request: FuzzRequest) {
  const write = request.method === "POST";
  const before = write ? await logState() : undefined;
  const { response, text } = await send(request);
  const what = describeRequest(request);
  const status = response.status;
  expect(response.headers.get("x-request-id"), what).toBeTruthy();
  if (status >= 500) {
    // A waitFor that its (short) timeout did not reach, or a 5xx the operation documents (501: the backup of
    // an embedded database asked of a PostgreSQL server); never an undocumented one.
    const waited = status === 504 && request.waits && request.query.includes("waitFor=");
    const documented = request.documented5xx.includes(status);
    expect(waited || documented, `${status} ${text.slice(0, 500)} for ${what}`).toBe(true);
  }
  if (status >= 400 && request.method !== "HEAD") {
    expect(response.headers.get("content-type"), what).toContain("application/problem+json");
    const problem = JSON.parse(text) as { type: unknown; title: unknown; status: unknown; errors?: unknown };
    expect(problem.status, what).toBe(status);
    expect(typeof problem.type === "string" && typeof problem.title === "string", what).toBe(true);
    if (status === 400 && process.env.FUZZ_DEBUG) console.log(`400 ${request.path}: ${text.slice(0, 300)}`);
    if (status === 400) {
      expect(
        Array.isArray(problem.errors) && problem.errors.length > 0,
        `no errors[] in ${text} for ${what}`,
      ).toBe(true);
      for (const issue of problem.errors as { path: unknown; message: unknown }[]) {
        expect(
          typeof issue.path === "string" && typeof issue.message === "string",
          `${text} for ${what}`,
        ).toBe(true);
      }
    }
  }
  if (before) {
    const after = await logState();
    if (status >= 400 || status === 200)
      expect(after, `a rejected write changed the log: ${what}`).toEqual(before);
    else if (status === 201) expect(after.n, what).toBeGreaterThan(before.n);
  }
  return status;
}

// ---- the properties ---------------------------------------------------------------------------------

async function documentedOperations(): Promise<Operation[]> {
  const response = await server.request("/v1/openapi.json");
  expect(response.status).toBe(200);
  const document = (await response.json()) as { paths: Record<string, Record<string, any>> };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const responses = Object.keys(operation.responses ?? {});
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        hasBody: operation.requestBody !== undefined,
        secured: operation.security !== undefined,
        sse: Object.values<any>(operation.responses ?? {}).some((r) => r.content?.["text/event-stream"]),
        documented5xx: responses.map(Number).filter((status) => status >= 500 && status !== 504),
      });
      expect(responses.length, `${method} ${path} documents no response`).toBeGreaterThan(0);
    }
  }
  return operations;
}

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe("hostile requests generated from /v1/openapi.json", () => {
  it("every documented operation answers 4xx problem+json or success, never a 5xx, and rejected writes write nothing", async () => {
    const operations = await documentedOperations();
    expect(operations.length).toBeGreaterThanOrEqual(15);
    // Failures after the status line (a feed subscriber dying on its cursor) and hidden 500s are logged.
    const logged: string[] = [];
    const keep = (...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
    };
    const warn = vi.spyOn(console, "warn").mockImplementation(keep);
    const error = vi.spyOn(console, "error").mockImplementation(keep);
    const heapBefore = heapUsed();
    const statuses = new Map<string, Map<number, number>>();
    let total = 0;
    const started = Date.now();
    for (const operation of operations) {
      const counts = new Map<number, number>();
      statuses.set(`${operation.method} ${operation.path}`, counts);
      await fc.assert(
        fc.asyncProperty(requests(operation), async (request) => {
          const status = await check(request);
          counts.set(status, (counts.get(status) ?? 0) + 1);
          total += 1;
        }),
        {
          numRuns: RUNS,
          // The counterexample itself can be megabytes: report the (truncated) failed check and the replay seed.
          reporter: (details) => {
            if (!details.failed) return;
            const message = String(
              (details.errorInstance as Error | undefined)?.message ?? details.errorInstance,
            );
            throw new Error(
              `${operation.method} ${operation.path} failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}"):\n${message.slice(0, 3000)}`,
            );
          },
        },
      );
    }
    const seconds = (Date.now() - started) / 1000;
    const heapGrowth = heapUsed() - heapBefore;
    console.log(
      `fuzz: ${total} requests over ${operations.length} operations in ${seconds.toFixed(1)} s; heap growth ${(heapGrowth / 2 ** 20).toFixed(1)} MiB`,
    );
    for (const [operation, counts] of statuses)
      console.log(`  ${operation}: ${[...counts].map(([s, n]) => `${s}×${n}`).join(" ")}`);
    // Bounded memory: nothing of the thousands of requests (bodies up to 256 KiB) stays reachable.
    expect(heapGrowth).toBeLessThan(64 * 2 ** 20);
    // Every aborted feed subscription was let go.
    const subscribers = await eventually(
      async () => feed.subscribers.size,
      (size) => size === 0,
      10_000,
    );
    expect(subscribers).toBe(0);
    warn.mockRestore();
    error.mockRestore();
    expect(logged.filter((line) => /fail/i.test(line))).toEqual([]);
    expect((await server.request("/health")).status).toBe(200);
    expect(total).toBe(operations.length * RUNS);
  }, 300_000);
});
