/**
 * The CSV columns of each list (api.md, "CSV"): nested values flattened into named columns, lists joined
 * with `; `.
 */
import type { Deal } from "../domain/deal-schema.js";
import { STACK_LAYERS } from "../domain/index.js";
import type { CsvColumn } from "./csv.js";

type Row = Record<string, unknown>;
const col = <T>(header: string, get: (record: T) => unknown): CsvColumn => ({
  header,
  get: get as (record: never) => unknown,
});
const joined = (values: readonly unknown[] | undefined) => (values ?? []).join("; ");

export function dealCsvColumns(): CsvColumn[] {
  return [
    col<Deal>("dealId", (d) => d.dealId),
    col<Deal>("type", (d) => d.type),
    col<Deal>("status", (d) => d.status),
    col<Deal>("statusSince", (d) => d.statusSince),
    col<Deal>("openedOn", (d) => d.openedOn),
    col<Deal>("endedOn", (d) => d.endedOn),
    col<Deal>("retracted", (d) => d.retracted),
    col<Deal>("layer", (d) => d.layer),
    col<Deal>("parties", (d) => joined(d.parties.map((p) => `${p.role}:${p.companyId}`))),
    col<Deal>("partyNames", (d) => joined(d.parties.map((p) => p.name))),
    col<Deal>("valueUsd", (d) => d.valueUsd),
    col<Deal>("summary", (d) => d.summary),
    col<Deal>("confidence", (d) => d.confidence),
    col<Deal>("sources", (d) => joined(d.sources.map((s) => s.url ?? s.title))),
    col<Deal>("events", (d) => d.events),
    col<Deal>("lastRecordedAt", (d) => d.lastRecordedAt),
    // The type-specific fields differ by type: one JSON cell keeps every one of them.
    col<Deal>("fields", (d) => JSON.stringify(d.fields)),
  ];
}

export function layersCsvColumns(): CsvColumn[] {
  const perLayer = STACK_LAYERS.flatMap((layer) =>
    (["weight", "path", "via", "since"] as const).map((key) =>
      col<Row>(`layers.${layer}.${key}`, (r) => (r.layers as Record<string, Row | undefined>)[layer]?.[key]),
    ),
  );
  return [
    col<Row>("companyId", (r) => r.companyId),
    col<Row>("name", (r) => r.name),
    ...perLayer,
    col<Row>("plannedLayers", (r) => joined(r.plannedLayers as string[])),
    col<Row>("controlledBy", (r) => r.controlledBy),
    col<Row>("ultimateParent", (r) => r.ultimateParent),
  ];
}

export function dependenciesCsvColumns(): CsvColumn[] {
  return ["customer", "supplier", "layer", "weight", "totalValueUsd", "firstSeen"]
    .map((key) => col<Row>(key, (r) => r[key]))
    .concat(col<Row>("deals", (r) => joined(r.deals as string[])));
}

export function rankingsCsvColumns(): CsvColumn[] {
  return [
    col<Row>("rank", (r) => r.rank),
    col<Row>("companyId", (r) => r.companyId),
    col<Row>("name", (r) => r.name),
    col<Row>("score", (r) => r.score),
    ...STACK_LAYERS.map((layer) => col<Row>(`layers.${layer}`, (r) => (r.layers as Row)[layer])),
    col<Row>("directLayers", (r) => r.directLayers),
    col<Row>("attainedAt", (r) => r.attainedAt),
  ];
}
