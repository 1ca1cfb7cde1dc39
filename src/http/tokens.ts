import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";

export type Scope = "append" | "admin";
export const SCOPES: readonly Scope[] = ["append", "admin"];

export interface TokenIdentity {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** Looks up a presented bearer token. Tokens are kept only as SHA-256 hashes. */
export interface TokenRegistry {
  lookup(token: string): Promise<TokenIdentity | undefined>;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Parses `STACKLEDGER_TOKENS`: comma-separated `token=scope+scope` pairs. Throws on a malformed entry so a
 * typo fails the start instead of silently locking everybody out.
 */
export function parseTokenConfig(config: string): Map<string, TokenIdentity> {
  const tokens = new Map<string, TokenIdentity>();
  for (const entry of config.split(",").map((part) => part.trim())) {
    if (!entry) continue;
    const eq = entry.lastIndexOf("=");
    const token = entry.slice(0, eq);
    const scopes = entry.slice(eq + 1).split("+");
    if (eq <= 0 || scopes.some((s) => !SCOPES.includes(s as Scope))) {
      throw new Error(
        `STACKLEDGER_TOKENS: "${entry.slice(0, 8)}…" must be token=scope+scope with scopes ${SCOPES.join(", ")}`,
      );
    }
    const hash = hashToken(token);
    tokens.set(hash, { name: `token-${hash.slice(0, 8)}`, scopes: scopes as Scope[] });
  }
  return tokens;
}

/** A registry over a fixed set of tokens (from configuration). */
export function staticTokenRegistry(tokens: Map<string, TokenIdentity>): TokenRegistry {
  return { lookup: async (token) => tokens.get(hashToken(token)) };
}

/**
 * A registry over the `api_tokens` table, shared by every process on the database. Misses re-read the
 * table at most once a second, so a token created by another process is accepted without a restart.
 */
export function databaseTokenRegistry(db: Kysely<Database>): TokenRegistry {
  let cache = new Map<string, TokenIdentity>();
  let loadedAt = 0;
  const load = async () => {
    const rows = await db.selectFrom("api_tokens").select(["name", "token_hash", "scopes"]).execute();
    cache = new Map(rows.map((row) => [row.token_hash, { name: row.name, scopes: row.scopes as Scope[] }]));
    loadedAt = Date.now();
  };
  return {
    async lookup(token) {
      const hash = hashToken(token);
      if (!cache.has(hash) && Date.now() - loadedAt > 1000) await load();
      return cache.get(hash);
    },
  };
}

export interface GeneratedAdminToken {
  /** The plaintext, only when this process created it. */
  readonly token?: string;
  readonly created: boolean;
}

/**
 * Makes sure a local admin token exists: the first process to start inserts one (its hash), the others
 * and later starts find it. Only the creator knows the plaintext.
 */
export async function ensureAdminToken(db: Kysely<Database>): Promise<GeneratedAdminToken> {
  const token = `sl_${randomBytes(24).toString("base64url")}`;
  const inserted = await db
    .insertInto("api_tokens")
    .values({ name: "local-admin", token_hash: hashToken(token), scopes: ["append", "admin"] })
    .onConflict((oc) => oc.column("name").doNothing())
    .returning("name")
    .executeTakeFirst();
  return inserted ? { token, created: true } : { created: false };
}
