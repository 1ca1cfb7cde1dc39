import { DEFAULT_DB_TIMEOUT_MS } from "./db/connect.js";
import { DEFAULT_MAX_BODY_BYTES } from "./http/deps.js";

/** The service's settings, from the environment (the CLI maps its flags onto the same names). */
export interface Config {
  readonly databaseUrl?: string;
  /** A hot standby of `databaseUrl` serving reads (log, streams, views, feed). */
  readonly databaseReadUrl?: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly tokens?: string;
  readonly demoData: boolean;
  readonly projector: boolean;
  readonly maxBodyBytes: number;
  /** Connections of the PostgreSQL pool (DATABASE_URL only). */
  readonly poolSize: number;
  /** How long a request waits for a database connection before answering 503. */
  readonly dbTimeoutMs: number;
  /** `LOG_LEVEL`: trace, debug, info, warn, error, fatal or silent. */
  readonly logLevel: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  return {
    databaseUrl,
    databaseReadUrl: (databaseUrl && env.DATABASE_READ_URL) || undefined,
    dataDir: env.STACKLEDGER_DATA_DIR || ".stackledger",
    port: integer(env.PORT, 3000, "PORT"),
    host: env.HOST || "127.0.0.1",
    tokens: env.STACKLEDGER_TOKENS || undefined,
    demoData: flag(env.STACKLEDGER_DEMO_DATA, databaseUrl === undefined, "STACKLEDGER_DEMO_DATA"),
    projector: flag(env.STACKLEDGER_PROJECTOR, true, "STACKLEDGER_PROJECTOR"),
    maxBodyBytes: integer(
      env.STACKLEDGER_MAX_BODY_BYTES,
      DEFAULT_MAX_BODY_BYTES,
      "STACKLEDGER_MAX_BODY_BYTES",
    ),
    poolSize: integer(env.STACKLEDGER_POOL_SIZE, 10, "STACKLEDGER_POOL_SIZE"),
    logLevel: env.LOG_LEVEL || "info",
    dbTimeoutMs: integer(env.STACKLEDGER_DB_TIMEOUT_MS, DEFAULT_DB_TIMEOUT_MS, "STACKLEDGER_DB_TIMEOUT_MS"),
  };
}

function flag(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === "") return fallback;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw new Error(`${name} must be true or false, not "${value}"`);
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, not "${value}"`);
  return parsed;
}
