import type { PGlite } from "@electric-sql/pglite";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

/**
 * A Kysely dialect over one embedded PGlite instance.
 *
 * PGlite is a single connection, so the driver hands it out to one holder at a time: a transaction must
 * not interleave with another caller's statements. (The community dialect pins an older PGlite major.)
 */
export function createPgliteDialect(pglite: PGlite): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => createPgliteDriver(pglite),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

function createPgliteDriver(pglite: PGlite): Driver {
  let tail: Promise<void> = Promise.resolve();
  const releases = new WeakMap<DatabaseConnection, () => void>();

  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const result = await pglite.query<R>(query.sql, [...query.parameters]);
      const affected = result.affectedRows;
      return {
        rows: result.rows,
        numAffectedRows: affected === undefined ? undefined : BigInt(affected),
      };
    },
    streamQuery() {
      throw new Error("streaming is not supported by the embedded database");
    },
  };

  const run = (sql: string) => pglite.query(sql).then(() => undefined);

  return {
    async init() {},
    async acquireConnection() {
      // A promise chain is the mutex: each holder waits for the previous one to release.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const previous = tail;
      tail = previous.then(() => held);
      await previous;
      // Each acquisition gets its own handle object so that its release function is its own.
      const handle: DatabaseConnection = Object.create(connection);
      releases.set(handle, release);
      return handle;
    },
    async beginTransaction(_conn: DatabaseConnection, settings: TransactionSettings) {
      const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : "";
      await run(`begin${level}`);
    },
    commitTransaction: () => run("commit"),
    rollbackTransaction: () => run("rollback"),
    async releaseConnection(conn: DatabaseConnection) {
      releases.get(conn)?.();
      releases.delete(conn);
    },
    async destroy() {
      await tail;
      if (!pglite.closed) await pglite.close();
    },
  };
}
