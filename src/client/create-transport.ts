import { errorFromResponse } from "./errors.js";
import { OPERATIONS, type OperationName, type QueryOf } from "./operations.js";

/** A query value: lists are sent comma-separated; undefined is left out. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface Transport {
  /** Sends one operation and answers the parsed JSON body (or the text for non-JSON answers); throws typed errors. */
  call<T>(operation: OperationName, options?: CallOptions): Promise<T>;
  /** The raw response of one operation (the feeds read its body as a stream); throws typed errors. */
  open(operation: OperationName, options?: CallOptions): Promise<Response>;
}

export interface CallOptions {
  readonly params?: Record<string, string>;
  readonly query?: Partial<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

export interface TransportOptions {
  readonly url: string;
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

export function createTransport({
  url,
  token,
  fetch: fetchImpl = globalThis.fetch,
}: TransportOptions): Transport {
  const base = url.replace(/\/+$/, "");
  const doFetch = fetchImpl.bind(globalThis);

  async function open(name: OperationName, options: CallOptions = {}): Promise<Response> {
    const operation = OPERATIONS[name];
    const path = operation.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = options.params?.[key];
      if (value === undefined) throw new TypeError(`${name}: missing ${key}`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const key of operation.query as readonly string[]) {
      const value = options.query?.[key];
      if (value === undefined) continue;
      search.set(key, Array.isArray(value) ? value.join(",") : String(value));
    }
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    // Always declared: the server answers 415 to a body that does not say it is JSON.
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const encoded = search.toString();
    const query = encoded ? `?${encoded}` : "";
    const response = await doFetch(`${base}${path}${query}`, {
      method: operation.method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  return {
    open,
    async call<T>(name: OperationName, options?: CallOptions): Promise<T> {
      const response = await open(name, options);
      const type = response.headers.get("content-type") ?? "";
      return (type.includes("json") ? await response.json() : await response.text()) as T;
    },
  };
}

/** Keeps only the keys an operation documents (a typed helper for the methods' option objects). */
export type QueryFor<O extends OperationName> = Partial<Record<QueryOf<O>, QueryValue>>;
