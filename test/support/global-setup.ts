import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL server URL whose user may create databases; empty → embedded PGlite. */
    serverUrl: string;
    databaseSource: string;
  }
}

let stopContainer: (() => Promise<unknown>) | undefined;

/**
 * Chooses where the integration tests' databases live, once per run, in this order:
 * TEST_DATABASE_URL, DATABASE_URL, a testcontainers PostgreSQL when a Docker engine answers, else
 * embedded PGlite (tests that need a server are then skipped with a printed reason).
 */
export async function setup(project: TestProject) {
  const fromEnv = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (fromEnv) {
    project.provide("serverUrl", fromEnv);
    project.provide("databaseSource", process.env.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "DATABASE_URL");
    return;
  }
  const container = await startContainer();
  if (container) {
    stopContainer = () => container.stop();
    project.provide("serverUrl", container.getConnectionUri());
    project.provide("databaseSource", "testcontainers");
    return;
  }
  console.warn(
    "integration tests: no PostgreSQL server (no TEST_DATABASE_URL, DATABASE_URL or Docker): using embedded PGlite",
  );
  project.provide("serverUrl", "");
  project.provide("databaseSource", "pglite");
}

export async function teardown() {
  await stopContainer?.();
}

async function startContainer() {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  return new PostgreSqlContainer("postgres:15-alpine").start();
}
