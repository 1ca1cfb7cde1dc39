import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The demo data set (the seed events), in log order. */
export const DEMO_EVENTS_FILE = fileURLToPath(new URL("../../data/demo-events.ndjson", import.meta.url));

export function demoEvents(): {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}[] {
  return readFileSync(DEMO_EVENTS_FILE, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

const source = [{ url: "https://example.com/news", title: "A report" }];

export function companyRegistered(companyId: string, extra: Record<string, unknown> = {}) {
  return {
    type: "CompanyRegistered",
    data: { companyId, name: companyId.toUpperCase(), kind: "company", ...extra },
  };
}

export function acquisitionReported(
  dealId: string,
  acquirer: string,
  target: string,
  extra: Record<string, unknown> = {},
) {
  return {
    type: "AcquisitionReported",
    data: { dealId, status: "announced", sources: source, acquirer, target, ...extra },
  };
}

export function partnershipReported(dealId: string, partners: string[], extra: Record<string, unknown> = {}) {
  return {
    type: "PartnershipReported",
    data: { dealId, status: "announced", sources: source, partners, ...extra },
  };
}

export function dealStatusChanged(dealId: string, status: string, extra: Record<string, unknown> = {}) {
  return { type: "DealStatusChanged", data: { dealId, status, ...extra } };
}
