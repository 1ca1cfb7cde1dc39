/**
 * A deterministic synthetic event log for the projection benchmarks: a realistic mix of valid events of
 * the catalog (domain.md), from one seed.
 *
 * - Companies are registered before anything names them: most in the first batches, the rest spread over
 *   the log (a deal only names companies registered in an earlier batch).
 * - Every deal stream opens with exactly one *Reported event; its lifecycle events (status changes,
 *   amendments with fields its type allows, ends, a few corrections of the opening event, a few
 *   retractions) come only in later batches.
 * - Parties are drawn with a skew (a few companies take part in many deals, as in the real AI stack), from
 *   role pools: investors fund, hardware designers launch chips, compute providers sell capacity, model
 *   developers release models, application companies launch products.
 * - `occurredOn` follows the log's progress from 2015 to 2026 with noise and mixed precision (day, month,
 *   quarter, half, year, or none).
 *
 * Event ids come from the same seeded PRNG, so the same seed gives the same log, event for event.
 */
import type { NewEvent } from "../../src/event-log/append-events.js";

/** mulberry32: small, fast, good enough for workload generation, and deterministic. */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number): boolean => next() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T,
    /** Index in [0, n) skewed to the front: P(index < k) = (k/n)^(1/skew). */
    skewed: (n: number, skew: number): number => Math.min(n - 1, Math.floor(n * next() ** skew)),
    /** A weighted choice among `[value, weight]` pairs. */
    weighted: <T>(choices: readonly (readonly [T, number])[]): T => {
      let total = 0;
      for (const [, w] of choices) total += w;
      let r = next() * total;
      for (const [value, w] of choices) {
        r -= w;
        if (r < 0) return value;
      }
      return choices[choices.length - 1]![0];
    },
    uuid: (): string => {
      const hex: string[] = [];
      for (let i = 0; i < 4; i++)
        hex.push(
          Math.floor(next() * 4294967296)
            .toString(16)
            .padStart(8, "0"),
        );
      const h = hex.join("");
      const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}
export type Random = ReturnType<typeof createRandom>;

export interface SyntheticLogOptions {
  /** Events of the initial log (companies + openings + lifecycle). */
  readonly events: number;
  readonly companies: number;
  readonly deals: number;
  readonly seed: number;
  /** Share of the companies registered up front (the rest are spread over the log). */
  readonly upfront?: number;
}

type Role = "investor" | "hardware" | "compute" | "model" | "application" | "energy" | "other";

type DealType =
  | "FundingRoundReported"
  | "AcquisitionReported"
  | "StakeChangeReported"
  | "PartnershipReported"
  | "ComputeDealReported"
  | "SupplyDealReported"
  | "LicenseDealReported"
  | "ChipLaunchReported"
  | "ModelReleaseReported"
  | "ProductLaunchReported"
  | "GovernanceEventReported";

/** The opening mix (share of deals). */
export const DEAL_MIX: readonly (readonly [DealType, number])[] = [
  ["FundingRoundReported", 24],
  ["AcquisitionReported", 6],
  ["StakeChangeReported", 6],
  ["PartnershipReported", 12],
  ["ComputeDealReported", 10],
  ["SupplyDealReported", 7],
  ["LicenseDealReported", 7],
  ["ChipLaunchReported", 4],
  ["ModelReleaseReported", 10],
  ["ProductLaunchReported", 11],
  ["GovernanceEventReported", 3],
];

const STATUS_ORDER = ["rumored", "reported", "announced", "completed"] as const;
type Status = (typeof STATUS_ORDER)[number] | "cancelled" | "blocked";

/** A deal the generator may still write lifecycle events for. */
interface OpenDeal {
  readonly dealId: string;
  readonly type: DealType;
  readonly openingId: string;
  readonly day: number;
  status: Status;
  /** The batch it was opened in: lifecycle events only in later batches. */
  readonly batch: number;
  /** Ended, cancelled, blocked or retracted: no more news (dropped from `open` lazily). */
  closed: boolean;
}

const SYLLABLES = [
  "ar",
  "bel",
  "cor",
  "dex",
  "en",
  "fal",
  "gen",
  "hal",
  "io",
  "jun",
  "kai",
  "lum",
  "mer",
  "nov",
  "or",
  "pix",
  "quan",
  "ra",
  "sol",
  "tor",
  "ul",
  "vex",
  "wen",
  "xen",
  "yor",
  "zen",
  "ne",
  "ta",
  "mi",
  "lo",
] as const;
const WORDS = ["Neural", "Quantum", "Deep", "Vector", "Tensor", "Cloud", "Edge", "Silicon", "Atlas", "Nova"];
const PUBLISHERS = ["Reuters", "Bloomberg", "The Information", "TechCrunch", "Financial Times", "WSJ"];
const COUNTRIES = ["US", "US", "US", "CN", "GB", "FR", "DE", "CA", "IL", "JP", "KR", "IN", "AE", "SG"];
const ROUNDS = [
  "seed",
  "series_a",
  "series_b",
  "series_c",
  "series_d",
  "series_e",
  "growth",
  "corporate",
  "debt",
];
const LAYERS = ["hardware", "compute", "model", "application"] as const;
const DEP_LAYERS = ["hardware", "compute", "model", "application", "capital", "energy"] as const;
const CURRENCIES = ["EUR", "GBP", "JPY", "CNY"];
/** Deals that can end (a relationship, term or product); capital deals and governance events do not. */
const ENDABLE: ReadonlySet<DealType> = new Set([
  "PartnershipReported",
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "ChipLaunchReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
]);

const DAY_MS = 86_400_000;
const START_DAY = Date.UTC(2015, 0, 1) / DAY_MS;
const END_DAY = Date.UTC(2026, 11, 31) / DAY_MS;

/**
 * The generator. `nextBatch(n)` returns the next n events; batches may be asked for beyond `events`
 * (the live phase continues the same log with the same mix, dated at the end of the range).
 */
export class SyntheticLog {
  private readonly random: Random;
  private readonly options: Required<SyntheticLogOptions>;
  private readonly companies: { id: string; role: Role }[] = [];
  /** Role pools, in registration order; `available` is each pool's registered prefix before this batch. */
  private readonly pools = new Map<Role | "any" | "operating", string[]>();
  private readonly available = new Map<Role | "any" | "operating", number>();
  private readonly open: OpenDeal[] = [];
  private closedCount = 0;
  private batchNumber = 0;
  private emitted = 0;
  private dealsOpened = 0;
  private companiesRegistered = 0;
  /** Events by type, for the report. */
  readonly counts: Record<string, number> = {};

  constructor(options: SyntheticLogOptions) {
    this.options = { upfront: 0.8, ...options };
    this.random = createRandom(options.seed);
    for (let i = 0; i < options.companies; i++) {
      const role = this.random.weighted<Role>([
        ["investor", 16],
        ["hardware", 5],
        ["compute", 9],
        ["model", 14],
        ["application", 44],
        ["energy", 3],
        ["other", 9],
      ]);
      const name = `${this.random.pick(SYLLABLES)}${this.random.pick(SYLLABLES)}${this.random.pick(SYLLABLES)}`;
      this.companies.push({ id: `${name}-${i}`, role });
    }
  }

  get eventsEmitted(): number {
    return this.emitted;
  }

  get dealsEmitted(): number {
    return this.dealsOpened;
  }

  /**
   * The next `size` events (fewer only for the batch that ends the up-front registrations), valid to
   * append in order as one batch after every earlier batch.
   */
  nextBatch(size: number): NewEvent[] {
    for (const [role, pool] of this.pools) this.available.set(role, pool.length);
    const batch: NewEvent[] = [];
    const { companies, deals, events, upfront } = this.options;
    const upfrontCount = Math.floor(companies * upfront);
    while (batch.length < size) {
      // Registrations: the up-front share first, then the rest spread evenly over the log.
      const dueCompanies =
        this.companiesRegistered < upfrontCount
          ? upfrontCount
          : upfrontCount + Math.floor(((companies - upfrontCount) * this.emitted) / Math.max(1, events));
      if (this.companiesRegistered < Math.min(companies, Math.max(dueCompanies, upfrontCount))) {
        batch.push(this.register());
        continue;
      }
      // Nothing registered before this batch yet: end it here (deals name only earlier registrations).
      if ((this.available.get("any") ?? 0) < 2) {
        if (batch.length > 0) break;
        batch.push(this.register());
        continue;
      }
      const lifecycleReady = this.open.length > 0 && this.open[0]!.batch < this.batchNumber;
      const remainingDeals = Math.max(0, deals - this.dealsOpened);
      const remainingEvents = Math.max(1, events - this.emitted);
      const openShare = this.emitted < events ? remainingDeals / remainingEvents : deals / events;
      if (!lifecycleReady || this.random.chance(openShare)) batch.push(this.openDeal());
      else batch.push(this.lifecycle());
    }
    this.batchNumber += 1;
    return batch;
  }

  private count(event: NewEvent): NewEvent {
    this.emitted += 1;
    this.counts[event.type] = (this.counts[event.type] ?? 0) + 1;
    return event;
  }

  private addToPool(key: Role | "any" | "operating", id: string): void {
    let pool = this.pools.get(key);
    if (!pool) {
      pool = [];
      this.pools.set(key, pool);
      this.available.set(key, 0);
    }
    pool.push(id);
  }

  private register(): NewEvent {
    const r = this.random;
    const index = this.companiesRegistered++;
    const { id, role } = this.companies[index]!;
    const layers: { layer: (typeof LAYERS)[number]; since?: string }[] = [];
    const own: Partial<Record<Role, (typeof LAYERS)[number]>> = {
      hardware: "hardware",
      compute: "compute",
      model: "model",
      application: "application",
    };
    const layer = own[role];
    if (layer && r.chance(0.35)) {
      layers.push(r.chance(0.7) ? { layer, since: this.date(this.dayNear(r.next() * 0.8, 3)) } : { layer });
      if (r.chance(0.2)) {
        const second = r.pick(LAYERS);
        if (second !== layer) layers.push({ layer: second, since: this.date(this.dayNear(0.5, 3)) });
      }
    }
    const kind =
      role === "investor"
        ? r.weighted([
            ["investor", 80],
            ["person", 10],
            ["government", 10],
          ] as const)
        : r.weighted([
            ["company", 92],
            ["joint_venture", 5],
            ["person", 3],
          ] as const);
    const data: Record<string, unknown> = {
      companyId: id,
      name: `${r.pick(WORDS)} ${id.split("-")[0]!.replace(/^./, (c) => c.toUpperCase())}`,
      kind,
    };
    if (r.chance(0.7)) data.country = r.pick(COUNTRIES);
    if (r.chance(0.5)) data.foundedOn = String(r.int(1995, 2024));
    if (r.chance(0.2)) data.aliases = [`${id.split("-")[0]} ai`];
    if (layers.length > 0) data.layers = layers;
    if (r.chance(0.5)) data.sources = [this.source()];
    this.addToPool(role, id);
    this.addToPool("any", id);
    if (role !== "investor") this.addToPool("operating", id);
    return this.count({ id: r.uuid(), type: "CompanyRegistered", data } as NewEvent);
  }

  /** A registered company of `role` (falling back to any), skewed towards the early (big) ones. */
  private party(role: Role | "any" | "operating", skew = 2.2, not: readonly string[] = []): string {
    for (let attempt = 0; attempt < 8; attempt++) {
      const key = (this.available.get(role) ?? 0) > 0 ? role : "any";
      const pool = this.pools.get(key)!;
      const n = this.available.get(key)!;
      const id = pool[this.random.skewed(n, skew)]!;
      if (!not.includes(id)) return id;
    }
    const pool = this.pools.get("any")!;
    const n = this.available.get("any")!;
    for (let i = 0; i < n; i++) if (!not.includes(pool[i]!)) return pool[i]!;
    throw new Error("not enough registered companies");
  }

  /** Valid-time progress of the log in [0, 1] (beyond 1 in the live phase). */
  private progress(): number {
    return this.emitted / Math.max(1, this.options.events);
  }

  /** A day around `progress` of the 2015–2026 range, with `spread` months of noise either side. */
  private dayNear(progress: number, spread: number): number {
    const base = START_DAY + Math.min(1, progress) * (END_DAY - START_DAY);
    const day = Math.round(base + (this.random.next() * 2 - 1) * spread * 30.4);
    return Math.max(START_DAY, Math.min(END_DAY - 45, day));
  }

  /** A partial date for a day, in mixed precision (the effective date is the period's last day). */
  private date(day: number): string {
    const iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    const r = this.random.next() * 100;
    if (r < 45) return iso;
    if (r < 75) return iso.slice(0, 7);
    const month = Number(iso.slice(5, 7));
    if (r < 87) return `${iso.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
    if (r < 93) return `${iso.slice(0, 4)}-H${month <= 6 ? 1 : 2}`;
    return iso.slice(0, 4);
  }

  private money(minExp: number, maxExp: number, per?: "month" | "year"): Record<string, unknown> {
    const r = this.random;
    const usd = Math.round(10 ** (minExp + r.next() * (maxExp - minExp)));
    const money: Record<string, unknown> = { usd };
    if (per) money.per = per;
    if (r.chance(0.15)) money.estimated = true;
    if (r.chance(0.05)) money.original = { amount: Math.round(usd * 0.92), currency: r.pick(CURRENCIES) };
    return money;
  }

  private source(): Record<string, unknown> {
    const r = this.random;
    const source: Record<string, unknown> = {
      url: `https://news.example.com/${r.int(2015, 2026)}/${r.int(1, 12)}/${r.pick(SYLLABLES)}-${r.int(1, 999_999)}`,
      publisher: r.pick(PUBLISHERS),
    };
    if (r.chance(0.5)) source.title = `${r.pick(WORDS)} deal reported by people familiar with the matter`;
    if (r.chance(0.3))
      source.publishedOn = new Date(this.dayNear(this.progress(), 2) * DAY_MS).toISOString().slice(0, 10);
    return source;
  }

  private common(dealId: string, status: Status, day: number): Record<string, unknown> {
    const r = this.random;
    const data: Record<string, unknown> = { dealId, status };
    if (r.chance(0.92)) data.occurredOn = this.date(day);
    data.sources = r.chance(0.2) ? [this.source(), this.source()] : [this.source()];
    if (r.chance(0.3)) data.confidence = Math.round(r.next() * 100) / 100;
    if (r.chance(0.3))
      data.summary = `${r.pick(WORDS)} and partners: terms as reported, figures unconfirmed.`;
    return data;
  }

  private openDeal(): NewEvent {
    const r = this.random;
    const type = r.weighted(DEAL_MIX);
    const dealId = `d${this.dealsOpened.toString(36)}-${r.pick(SYLLABLES)}`;
    this.dealsOpened += 1;
    const day = this.dayNear(this.progress(), 6);
    const launch =
      type === "ChipLaunchReported" || type === "ModelReleaseReported" || type === "ProductLaunchReported";
    const status: Status = launch
      ? r.weighted<Status>([
          ["reported", 10],
          ["announced", 30],
          ["completed", 60],
        ])
      : r.weighted<Status>([
          ["rumored", 10],
          ["reported", 25],
          ["announced", 40],
          ["completed", 25],
        ]);
    const data = { ...this.common(dealId, status, day), ...this.fields(type) };
    const id = r.uuid();
    this.open.push({ dealId, type, openingId: id, day, status, batch: this.batchNumber, closed: false });
    return this.count({ id, type, data } as NewEvent);
  }

  /** The type-specific fields of an opening event. */
  private fields(type: DealType): Record<string, unknown> {
    const r = this.random;
    switch (type) {
      case "FundingRoundReported": {
        const investee = this.party("operating", 1.4);
        const investors: Record<string, unknown>[] = [];
        const ids: string[] = [investee];
        for (let i = r.int(1, 5); i > 0; i--) {
          const id = this.party(r.chance(0.8) ? "investor" : "any", 2, ids);
          ids.push(id);
          const investor: Record<string, unknown> = { companyId: id };
          if (r.chance(0.3)) investor.amount = this.money(6, 9.5);
          if (investors.length === 0 && r.chance(0.5)) investor.lead = true;
          investors.push(investor);
        }
        const out: Record<string, unknown> = { investee, round: r.pick(ROUNDS), investors };
        if (r.chance(0.8)) out.amount = this.money(6, 10.3);
        if (r.chance(0.3)) out.postMoneyValuation = this.money(7.5, 11.5);
        return out;
      }
      case "AcquisitionReported": {
        const acquirer = this.party("operating", 3);
        const target = this.party("operating", 1.2, [acquirer]);
        const out: Record<string, unknown> = { acquirer, target };
        const pct = r.weighted<number | undefined>([
          [undefined, 70],
          [100, 10],
          [r.int(10, 49), 10],
          [r.int(51, 99), 10],
        ]);
        if (pct !== undefined) out.percentAcquired = pct;
        if (r.chance(0.6)) out.price = this.money(6.5, 10.5);
        if (r.chance(0.5)) out.terms = r.pick(["cash", "stock", "cash_and_stock", "other"]);
        if (r.chance(0.5)) out.kind = r.pick(["acquisition", "merger", "acquihire", "asset"]);
        return out;
      }
      case "StakeChangeReported": {
        const holder = this.party(r.chance(0.5) ? "investor" : "operating", 2.5);
        const entity = this.party("operating", 1.4, [holder]);
        const out: Record<string, unknown> = { holder, entity };
        if (r.chance(0.85))
          out.percentAfter = r.weighted([
            [0, 5],
            [r.int(1, 50), 75],
            [r.int(51, 100), 20],
          ]);
        if (r.chance(0.1)) out.control = true;
        if (r.chance(0.4)) out.consideration = this.money(6, 10);
        return out;
      }
      case "PartnershipReported": {
        const a = this.party("operating", 2);
        const b = this.party("operating", 2, [a]);
        const partners = [a, b];
        if (r.chance(0.15)) partners.push(this.party("any", 2, partners));
        const out: Record<string, unknown> = { partners };
        if (r.chance(0.6)) out.dependency = { customer: a, supplier: b, layer: r.pick(DEP_LAYERS) };
        if (r.chance(0.3)) out.amount = this.money(6, 10);
        if (r.chance(0.4)) out.termMonths = r.pick([12, 24, 36, 60]);
        if (r.chance(0.3))
          out.description = "A multi-year strategic partnership covering joint go-to-market and research.";
        return out;
      }
      case "ComputeDealReported": {
        const customer = this.party(r.chance(0.6) ? "model" : "application", 2);
        const provider = this.party("compute", 2.5, [customer]);
        const out: Record<string, unknown> = { customer, provider };
        const per = r.weighted<"month" | "year" | undefined>([
          [undefined, 45],
          ["month", 40],
          ["year", 15],
        ]);
        if (r.chance(0.8)) out.amount = per === "month" ? this.money(5, 8.5, per) : this.money(6, 10.5, per);
        if (r.chance(0.5))
          out.capacity = r.chance(0.5)
            ? { value: r.int(1000, 200_000), unit: "GPUs" }
            : { value: r.int(5, 2000), unit: "MW" };
        if (r.chance(0.6)) out.termMonths = r.pick([6, 12, 24, 36, 48, 60]);
        if (r.chance(0.4)) out.acceleratorDesigner = this.party("hardware", 3, [customer]);
        if (r.chance(0.3)) out.sites = [`${r.pick(WORDS)} campus`, `site ${r.int(1, 99)}`];
        return out;
      }
      case "SupplyDealReported": {
        const energy = r.chance(0.25);
        const customer = this.party("compute", 1.8);
        const supplier = this.party(energy ? "energy" : "hardware", 2.5, [customer]);
        const out: Record<string, unknown> = { customer, supplier, layer: energy ? "energy" : "hardware" };
        if (r.chance(0.6)) out.amount = this.money(6, 10);
        if (r.chance(0.3))
          out.capacity = energy
            ? { value: r.int(10, 2000), unit: "MW" }
            : { value: r.int(1000, 100_000), unit: "GPUs" };
        if (r.chance(0.4)) out.termMonths = r.pick([12, 24, 36, 120]);
        if (r.chance(0.3)) out.items = ["accelerators", "networking"];
        return out;
      }
      case "LicenseDealReported": {
        const licensor = this.party("model", 2.2);
        const licensee = this.party("operating", 1.6, [licensor]);
        const out: Record<string, unknown> = { licensee, licensor };
        if (r.chance(0.4)) out.layer = r.pick(LAYERS);
        if (r.chance(0.4)) out.amount = this.money(5.5, 9.5);
        if (r.chance(0.2)) out.exclusive = r.chance(0.5);
        if (r.chance(0.05)) out.talentHired = true;
        return out;
      }
      case "ChipLaunchReported": {
        const designer = this.party("hardware", 1.8);
        const out: Record<string, unknown> = { designer, chip: `${r.pick(WORDS)} X${r.int(1, 999)}` };
        if (r.chance(0.8))
          out.chipClass = r.pick(["gpu", "tpu", "asic", "cpu", "networking", "system", "other"]);
        if (r.chance(0.5)) out.manufacturer = this.party("hardware", 4, [designer]);
        if (r.chance(0.2)) out.designPartner = this.party("hardware", 3, [designer]);
        return out;
      }
      case "ModelReleaseReported": {
        const developer = this.party("model", 1.8);
        const out: Record<string, unknown> = {
          developer,
          model: `${r.pick(WORDS)}-${r.int(1, 9)}.${r.int(0, 9)}`,
          access: r.pick(["open_source", "open_weights", "api", "hosted", "unreleased"]),
        };
        if (r.chance(0.3)) {
          out.baseModel = r.chance(0.7)
            ? { name: `${r.pick(WORDS)}-${r.int(1, 9)}`, developer: this.party("model", 3) }
            : { name: `${r.pick(WORDS)}-${r.int(1, 9)}` };
        }
        return out;
      }
      case "ProductLaunchReported": {
        const owner = this.party("application", 1.6);
        const out: Record<string, unknown> = {
          owner,
          product: `${r.pick(WORDS)} ${r.pick(["Assistant", "Studio", "Search", "Code", "Cloud"])}`,
          layer: r.chance(0.85) ? "application" : "compute",
        };
        if (r.chance(0.5)) {
          const hosts: string[] = [];
          for (let i = r.int(1, 3); i > 0; i--) hosts.push(this.party("compute", 2.5, [owner, ...hosts]));
          out.hostedOn = hosts;
        }
        return out;
      }
      case "GovernanceEventReported": {
        const subjects = [this.party("operating", 2.5)];
        if (r.chance(0.3)) subjects.push(this.party("any", 2, subjects));
        return {
          subjects,
          kind: r.pick(["litigation", "regulatory", "leadership", "restructuring", "other"]),
          title: `${r.pick(["Lawsuit", "Probe", "CEO change", "Reorganisation"])} at ${subjects[0]}`,
        };
      }
    }
  }

  /** A lifecycle event of a deal opened in an earlier batch (or a company update, now and then). */
  private lifecycle(): NewEvent {
    const r = this.random;
    if (r.chance(0.01)) {
      const companyId = this.party("any", 1.5);
      return this.count({
        id: r.uuid(),
        type: "CompanyUpdated",
        data: r.chance(0.5)
          ? { companyId, name: `${companyId} Inc.` }
          : { companyId, country: r.pick(COUNTRIES) },
      } as NewEvent);
    }
    const deal = this.pickOpenDeal();
    if (deal === undefined) return this.openDeal();
    const base: Record<string, unknown> = { dealId: deal.dealId };
    const later = Math.min(END_DAY - 1, deal.day + r.int(0, 420));
    if (r.chance(0.85)) base.occurredOn = this.date(later);
    if (r.chance(0.5)) base.sources = [this.source()];
    const relationship = ENDABLE.has(deal.type);
    const next = STATUS_ORDER.indexOf(deal.status as (typeof STATUS_ORDER)[number]) + 1;
    const action = r.weighted<"status" | "amend" | "end" | "correct" | "retract">([
      ["status", next > 0 && next < STATUS_ORDER.length ? 45 : 4],
      ["amend", 40],
      ["end", relationship ? 6 : 0],
      ["correct", 0.6],
      ["retract", 0.4],
    ]);
    const close = () => {
      deal.closed = true;
      this.closedCount += 1;
    };
    switch (action) {
      case "status": {
        let status: Status;
        if (r.chance(0.03)) {
          status = r.chance(0.7) ? "cancelled" : "blocked";
          close();
        } else if (next > 0 && next < STATUS_ORDER.length) {
          status = STATUS_ORDER[Math.min(STATUS_ORDER.length - 1, next + (r.chance(0.3) ? 1 : 0))]!;
          deal.status = status;
        } else {
          status = "completed"; // a repeated confirmation: sources restate the status
        }
        return this.count({ id: r.uuid(), type: "DealStatusChanged", data: { ...base, status } } as NewEvent);
      }
      case "amend":
        if (r.chance(0.2)) base.reason = "Terms revised after the first report";
        return this.count({
          id: r.uuid(),
          type: "DealAmended",
          data: { ...base, changes: this.amendment(deal.type) },
        } as NewEvent);
      case "end":
        close();
        return this.count({ id: r.uuid(), type: "DealEnded", data: base } as NewEvent);
      case "correct": {
        const changes: Record<string, unknown> = r.chance(0.4)
          ? { occurredOn: this.date(Math.max(START_DAY, deal.day - r.int(0, 200))) }
          : this.correction(deal.type);
        const data = {
          dealId: deal.dealId,
          correctsEventId: deal.openingId,
          changes,
          reason: "Our record was wrong",
        };
        return this.count({ id: r.uuid(), type: "DealCorrected", data } as NewEvent);
      }
      case "retract":
        close();
        return this.count({
          id: r.uuid(),
          type: "DealRetracted",
          data: { dealId: deal.dealId, reason: "The report was false" },
        } as NewEvent);
    }
  }

  /**
   * A deal opened in an earlier batch and not closed, skewed towards recent ones (they get most of the
   * news). Closed deals are dropped from the list once they are half of it (order is kept).
   */
  private pickOpenDeal(): OpenDeal | undefined {
    if (this.closedCount * 2 > this.open.length) {
      const kept = this.open.filter((deal) => !deal.closed);
      this.open.length = 0;
      this.open.push(...kept);
      this.closedCount = 0;
    }
    let eligible = this.open.length;
    while (eligible > 0 && this.open[eligible - 1]!.batch >= this.batchNumber) eligible--;
    for (let attempt = 0; attempt < 16 && eligible > 0; attempt++) {
      const deal = this.open[eligible - 1 - this.random.skewed(eligible, 1.6)]!;
      if (!deal.closed) return deal;
    }
    return undefined;
  }

  /** `DealAmended.changes`: the own, non-party, non-stake fields of the deal's type. */
  private amendment(type: DealType): Record<string, unknown> {
    const r = this.random;
    switch (type) {
      case "FundingRoundReported":
        return r.chance(0.7)
          ? { amount: this.money(6, 10.3) }
          : { postMoneyValuation: this.money(7.5, 11.5) };
      case "AcquisitionReported":
        return r.chance(0.7)
          ? { price: this.money(6.5, 10.5) }
          : { terms: r.pick(["cash", "stock", "cash_and_stock"]) };
      case "StakeChangeReported":
        return { consideration: this.money(6, 10) };
      case "PartnershipReported":
        return r.chance(0.5) ? { amount: this.money(6, 10) } : { termMonths: r.pick([12, 24, 36, 60]) };
      case "ComputeDealReported":
        return r.chance(0.5)
          ? { amount: this.money(5, 8.5, "month") }
          : r.chance(0.6)
            ? { termMonths: r.pick([12, 24, 36, 48, 60]) }
            : { capacity: { value: r.int(1000, 300_000), unit: "GPUs" }, termMonths: r.pick([24, 36]) };
      case "SupplyDealReported":
        return r.chance(0.6) ? { amount: this.money(6, 10) } : { termMonths: r.pick([12, 24, 36]) };
      case "LicenseDealReported":
        return r.chance(0.6) ? { amount: this.money(5.5, 9.5) } : { exclusive: r.chance(0.5) };
      case "ChipLaunchReported":
        return { chipClass: r.pick(["gpu", "asic", "system"]) };
      case "ModelReleaseReported":
        return { access: r.pick(["open_weights", "api", "hosted"]) };
      case "ProductLaunchReported":
        return { product: `${r.pick(WORDS)} ${r.pick(["Assistant", "Studio", "Search"])} ${r.int(2, 9)}` };
      case "GovernanceEventReported":
        return { kind: r.pick(["litigation", "regulatory"]) };
    }
  }

  /** `DealCorrected.changes` on the opening event: a field of its own that still validates. */
  private correction(type: DealType): Record<string, unknown> {
    const r = this.random;
    switch (type) {
      case "AcquisitionReported":
        return r.chance(0.5)
          ? { price: this.money(6.5, 10.5) }
          : { status: r.pick(["announced", "completed"]) };
      case "StakeChangeReported":
        return { percentAfter: r.int(1, 49) };
      case "ChipLaunchReported":
      case "ModelReleaseReported":
      case "ProductLaunchReported":
      case "GovernanceEventReported":
        return { status: r.pick(["announced", "completed"]) };
      default:
        return { amount: this.money(6, 10) };
    }
  }
}
