import { type Kysely, type Migration, sql } from "kysely";
import { StartRefusedError } from "./start-refused-error.js";

/** The database was migrated by a newer release: this code does not know its schema. */
export class SchemaTooNewError extends StartRefusedError {
  override name = "SchemaTooNewError";
  constructor(
    readonly databaseVersion: string,
    readonly codeVersion: string,
    readonly unknown: readonly string[],
  ) {
    super(
      `the database was written by a newer release of stackledger: its schema is at version ${databaseVersion}, ` +
        `this release knows versions up to ${codeVersion} (unknown to it: ${unknown.join(", ")}). ` +
        "It was not opened, so nothing in it changed: run the newer release, or restore a backup made by this one.",
    );
  }
}

/**
 * Refuses a database whose `kysely_migration` names a migration this code does not have: a newer release
 * migrated it, and this one would misread its tables (or Kysely would stop with "corrupted migrations"
 * half-way through the start). Older databases pass: the Migrator brings them up to date.
 */
export async function checkSchemaVersion<DB>(
  db: Kysely<DB>,
  known: Record<string, Migration>,
): Promise<void> {
  const table = await sql<{ present: boolean }>`
    select to_regclass('kysely_migration') is not null as present`.execute(db);
  if (!table.rows[0]?.present) return;
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  const names = applied.rows.map((row) => row.name);
  const unknown = names.filter((name) => !Object.hasOwn(known, name));
  if (unknown.length === 0) return;
  const codeVersion = Object.keys(known).sort().at(-1) ?? "(none)";
  throw new SchemaTooNewError(names.at(-1) ?? "", codeVersion, unknown);
}
