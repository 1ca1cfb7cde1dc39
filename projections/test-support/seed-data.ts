/**
 * Loads the seed events and expectations for tests: `data/demo-events.ndjson` in the repository when it
 * exists, else the shared `../shared/data/seed-events.ndjson` next to the repository.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RecordedEvent } from "../../src/domain/index.js";

const repoRoot = new URL("../../", import.meta.url);

function firstExisting(candidates: readonly URL[]): URL {
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url;
  throw new Error(`none of ${candidates.map((u) => fileURLToPath(u)).join(", ")} exists`);
}

export const SEED_RECORDED_AT = "2026-11-21T00:00:00Z";

/** The 63 seed events as the log would deliver them (positions 1..n, recorded on 2026-11-21). */
export function loadSeedEvents(recordedAt = SEED_RECORDED_AT): RecordedEvent[] {
  const url = firstExisting([
    new URL("data/demo-events.ndjson", repoRoot),
    new URL("../shared/data/seed-events.ndjson", repoRoot),
  ]);
  return readFileSync(url, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const e = JSON.parse(line) as { id: string; type: string; data: unknown };
      return { eventId: e.id, type: e.type, data: e.data, position: i + 1, recordedAt };
    });
}

export type SeedExpected = Record<string, { layers: unknown; dependencies: unknown; rankings: unknown }>;

export function loadSeedExpected(): SeedExpected {
  const url = firstExisting([
    new URL("data/demo-expected.json", repoRoot),
    new URL("../shared/data/seed-expected.json", repoRoot),
  ]);
  return JSON.parse(readFileSync(url, "utf8")) as SeedExpected;
}
