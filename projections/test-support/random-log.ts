/**
 * Random logs for property tests: the benchmark's synthetic log (companies, deals, lifecycles, renames,
 * corrections, retractions) as the projector reads it, with, on request, extra corrections that move a
 * deal's parties (the generator never writes those, and they are what incremental readers get wrong).
 */
import { createRandom, SyntheticLog } from "../../bench/lib/synthetic-log.js";
import { dayToIso, type RecordedEvent } from "../../src/domain/index.js";

/** Party fields a correction may move to another company, per opening type. */
const MOVABLE: Readonly<Record<string, readonly string[]>> = {
  AcquisitionReported: ["acquirer", "target"],
  StakeChangeReported: ["holder", "entity"],
  ComputeDealReported: ["customer", "provider"],
  SupplyDealReported: ["customer", "supplier"],
  LicenseDealReported: ["licensee", "licensor"],
  ChipLaunchReported: ["designer"],
  ModelReleaseReported: ["developer"],
  ProductLaunchReported: ["owner"],
  FundingRoundReported: ["investee"],
};

export interface RandomLogOptions {
  /** Share of extra events that correct a party of an earlier deal (0 by default). */
  readonly partyCorrections?: number;
  readonly companies?: number;
}

/** A synthetic log through JSON (as stored), positioned, recorded seven events a day from `firstDay`. */
export function randomLog(
  seed: number,
  events: number,
  firstDay: number,
  options: RandomLogOptions = {},
): RecordedEvent[] {
  const generator = new SyntheticLog({
    events,
    companies: options.companies ?? 12,
    deals: Math.ceil(events / 4),
    seed,
  });
  // Small batches: a batch names only companies of earlier batches, and lifecycle events come in later ones.
  const batch: ReturnType<SyntheticLog["nextBatch"]> = [];
  while (batch.length < events) batch.push(...generator.nextBatch(Math.min(20, events - batch.length)));
  const plain = batch.map(
    (event) => JSON.parse(JSON.stringify(event)) as { type: string; data: Record<string, unknown> },
  );
  const mixed = withPartyCorrections(plain, seed, options.partyCorrections ?? 0);
  return mixed.map(({ type, data }, i) => ({
    eventId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
    type,
    data,
    position: i + 1,
    recordedAt: `${dayToIso(firstDay + Math.floor(i / 7))}T12:00:00Z`,
  }));
}

type Plain = { type: string; data: Record<string, unknown> };

/**
 * Inserts corrections of opening events that move one party to another registered company. The opening's
 * event id is its index + 1 in the final log, so corrections name positions computed as they are inserted.
 */
function withPartyCorrections(events: readonly Plain[], seed: number, share: number): Plain[] {
  if (share <= 0) return [...events];
  const random = createRandom(seed ^ 0x5eed);
  const out: Plain[] = [];
  const companies: string[] = [];
  const openings: { index: number; dealId: string; type: string }[] = [];
  for (const event of events) {
    out.push(event);
    if (event.type === "CompanyRegistered") companies.push(event.data.companyId as string);
    else if (MOVABLE[event.type] !== undefined && typeof event.data.dealId === "string")
      openings.push({ index: out.length - 1, dealId: event.data.dealId, type: event.type });
    if (openings.length === 0 || companies.length < 3 || !random.chance(share)) continue;
    const target = random.pick(openings);
    const field = random.pick(MOVABLE[target.type] as readonly string[]);
    const opening = out[target.index] as Plain;
    const taken = new Set(Object.values(opening.data).filter((v) => typeof v === "string"));
    const candidates = companies.filter((id) => !taken.has(id));
    if (candidates.length === 0) continue;
    out.push({
      type: "DealCorrected",
      data: {
        dealId: target.dealId,
        correctsEventId: `00000000-0000-4000-8000-${String(target.index + 1).padStart(12, "0")}`,
        changes: { [field]: random.pick(candidates) },
        reason: "Wrong party",
      },
    });
  }
  return out;
}
