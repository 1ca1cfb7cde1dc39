import { type Kysely, type MigrationResultSet, Migrator } from "kysely";
import { migrations } from "../../migrations/index.js";
import { checkSchemaVersion } from "./check-schema-version.js";
import type { Database } from "./schema.js";

/**
 * Brings the schema to the latest migration; throws with the failing migration's error, or
 * `SchemaTooNewError` (nothing changed) when a newer release has migrated the database.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  await checkSchemaVersion(db, migrations);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** True when every known migration has been applied (used by GET /ready). */
export async function isMigrated(db: Kysely<Database>): Promise<boolean> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const applied = await migrator.getMigrations();
  return applied.every((m) => m.executedAt !== undefined);
}
