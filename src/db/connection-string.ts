/**
 * A PostgreSQL URL may name several hosts, as libpq allows (`postgres://u@h1:5432,h2:5433/db`), with
 * `target_session_attrs=read-write` to connect to whichever is the primary now: the way processes follow a
 * failover without a configuration change. node-postgres takes one host, so we split the list ourselves.
 */
export interface HostList {
  /** One single-host URL per host, in the order given. */
  readonly urls: readonly string[];
  /** Only a host that accepts writes will do (`target_session_attrs=read-write` or `primary`). */
  readonly readWrite: boolean;
}

const URL_SHAPE = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;

export function parseHostList(url: string): HostList {
  const match = URL_SHAPE.exec(url);
  if (!match) return { urls: [url], readWrite: false };
  const [, scheme, credentials = "", hostPart = "", path = "", query = ""] = match;
  const params = new URLSearchParams(query.slice(1));
  const attrs = params.get("target_session_attrs");
  params.delete("target_session_attrs");
  const rest = params.toString();
  const hosts = hostPart.split(",").filter(Boolean);
  if (hosts.length <= 1 && attrs === null) return { urls: [url], readWrite: false };
  const urls = (hosts.length > 0 ? hosts : [""]).map(
    (host) => `${scheme}${credentials}${host}${path}${rest ? `?${rest}` : ""}`,
  );
  return { urls, readWrite: attrs === "read-write" || attrs === "primary" };
}

/** Where a dedicated connection goes: a fixed URL, or the current primary's, looked up at each (re)connect. */
export type ConnectionTarget = string | (() => Promise<string>);

export async function resolveTarget(target: ConnectionTarget): Promise<string> {
  return typeof target === "string" ? target : target();
}
