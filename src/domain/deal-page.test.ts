import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPENING_EVENT_TYPES, STATUSES } from "../events/index.js";
import { dayToIso, isoToDay } from "./dates.js";
import { DEAL_SORTS, type DealFilters, type DealSort, listDeals } from "./deal-list.js";
import { dealPage } from "./deal-page.js";
import { dealRecordsAt } from "./deal-record.js";
import { applyDealRecordEvent, createDealRecordsState, type DealRecordsState } from "./deal-records-state.js";
import { DEAL_LAYERS } from "./deal-schema.js";
import type { RecordedEvent } from "./event-types.js";

type Data = Record<string, unknown>;
type Read = (after: string | undefined, limit: number) => { sortKey: string; json: string }[];

/** The list as it was served before `dealPage`: every record at D, filtered and sorted, then sliced. */
function referenceRead(state: DealRecordsState, day: number, filters: DealFilters, sort: DealSort): Read {
  const all = listDeals(dealRecordsAt(state, day), filters, sort);
  return (after, limit) => {
    let start = 0;
    if (after !== undefined) {
      let hi = all.length;
      while (start < hi) {
        const mid = (start + hi) >> 1;
        if ((all[mid] as { sortKey: string }).sortKey <= after) start = mid + 1;
        else hi = mid;
      }
    }
    return all.slice(start, start + limit).map((r) => ({ sortKey: r.sortKey, json: JSON.stringify(r.deal) }));
  };
}

const newRead =
  (state: DealRecordsState, day: number, filters: DealFilters, sort: DealSort): Read =>
  (after, limit) =>
    dealPage(state, day, filters, sort, after, limit).map((r) => ({
      sortKey: r.sortKey,
      json: JSON.stringify(r.deal),
    }));

/** The route's paging: limit + 1 rows, the next token from the last row shown; every page in turn. */
function pages(read: Read, limit: number): { sortKey: string; json: string }[][] {
  const out: { sortKey: string; json: string }[][] = [];
  let after: string | undefined;
  for (;;) {
    const rows = read(after, limit + 1);
    const shown = rows.slice(0, limit);
    out.push(shown);
    if (rows.length <= limit) return out;
    after = shown.at(-1)?.sortKey;
  }
}

const COMPANIES = ["c0", "c1", "c2", "c3"];
// Names that lower-case differently in context (final sigma), grow when lower-cased, or hold the separator.
const NAMES = ["Alpha", "ΟΔΟΣ", "Σigma", "İstanbul", "beta\u001fGamma", "Nova"];
const DATES = [undefined, "2019", "2020-H1", "2020-Q3", "2020-06", "2020-06-15", "2021-02-28", "2023"];
const RECORDED = ["2019-05-01T10:00:00Z", "2020-06-15T23:59:59Z", "2022-01-01T00:00:00Z"];
const SEARCHED = ["Jalapeño", "ΧΑΟΣ", "model-9", "Edge"];

const money = fc.record(
  {
    usd: fc.constantFrom(0, 1, 1.0005, 2.5e9, 1234.5675, -5, 1e12),
    per: fc.constantFrom("month", "year"),
  },
  { requiredKeys: ["usd"] },
);
const company = fc.constantFrom(...COMPANIES);
// Titles whose JSON text differs from them: escaped characters, and a Σ that is final only in the text.
const source = fc.record(
  {
    url: fc.constantFrom("u1", "u2"),
    title: fc.constantFrom("Alpha news", "Σ deal", "beta", 'Say "hi" \\ now', "x\nΣ"),
  },
  { requiredKeys: [] },
);
const fields = fc.record(
  {
    customer: company,
    provider: company,
    investee: company,
    acquirer: company,
    target: company,
    holder: company,
    entity: company,
    supplier: company,
    licensee: company,
    licensor: company,
    designer: company,
    developer: company,
    owner: company,
    partners: fc.array(company, { maxLength: 3 }),
    hostedOn: fc.array(company, { maxLength: 2 }),
    subjects: fc.array(company, { maxLength: 2 }),
    investors: fc.array(fc.record({ companyId: company, amount: money }, { requiredKeys: ["companyId"] }), {
      maxLength: 3,
    }),
    amount: money,
    price: money,
    consideration: money,
    termMonths: fc.constantFrom(0, 6, 24),
    layer: fc.constantFrom(...DEAL_LAYERS),
    dependency: fc.record({ layer: fc.constantFrom(...DEAL_LAYERS) }, { requiredKeys: [] }),
    chip: fc.constantFrom(...SEARCHED),
    model: fc.constantFrom(...SEARCHED),
    product: fc.constantFrom(...SEARCHED),
    summary: fc.constantFrom("Terms ΟΔΟΣ reported", "edge case"),
    sources: fc.array(source, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const amendable = fc.record(
  {
    amount: money,
    termMonths: fc.constantFrom(3, 12),
    layer: fc.constantFrom(...DEAL_LAYERS),
    dependency: fc.record({ layer: fc.constantFrom(...DEAL_LAYERS) }),
    chip: fc.constantFrom(...SEARCHED),
    customer: company,
    investors: fc.constant([{ companyId: "c3" }]),
  },
  { requiredKeys: [] },
);

const dealIds = fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,3}$/), { minLength: 1, maxLength: 12 });

/** A random log: companies, deals of every type, then lifecycle events, corrections, retractions, renames. */
const logs = dealIds.chain((ids) => {
  const id = fc.constantFrom(...ids);
  const date = fc.constantFrom(...DATES);
  const recorded = fc.constantFrom(...RECORDED);
  const opening = fc.record({
    dealId: id,
    type: fc.constantFrom(...OPENING_EVENT_TYPES),
    status: fc.constantFrom(...STATUSES),
    occurredOn: date,
    recordedAt: recorded,
    fields,
  });
  const step = fc.oneof(
    { arbitrary: opening, weight: 6 },
    fc.record({
      op: fc.constant("status"),
      dealId: id,
      status: fc.constantFrom(...STATUSES),
      occurredOn: date,
    }),
    fc.record({ op: fc.constant("amend"), dealId: id, changes: amendable, occurredOn: date }),
    fc.record({ op: fc.constant("end"), dealId: id, occurredOn: date }),
    fc.record({ op: fc.constant("retract"), dealId: id }),
    fc.record({
      op: fc.constant("correct"),
      dealId: id,
      target: fc.nat(),
      changes: fields,
      occurredOn: date,
    }),
    fc.record({ op: fc.constant("rename"), companyId: company, name: fc.constantFrom(...NAMES) }),
  );
  return fc.array(step, { minLength: 4, maxLength: 50 }).map((steps) => {
    const events: RecordedEvent[] = [];
    const add = (type: string, data: Data, recordedAt = "2021-03-01T12:00:00Z") => {
      const n = events.length + 1;
      const eventId = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
      events.push({ eventId, type, data, position: n, recordedAt });
      return eventId;
    };
    for (const [i, c] of COMPANIES.entries())
      add("CompanyRegistered", { companyId: c, name: NAMES[i], kind: "company" });
    const eventsOf = new Map<string, string[]>();
    const remember = (dealId: string, eventId: string) =>
      eventsOf.set(dealId, [...(eventsOf.get(dealId) ?? []), eventId]);
    for (const s of steps) {
      const { op } = s as { op?: string };
      const dated = (occurredOn: string | undefined) => (occurredOn === undefined ? {} : { occurredOn });
      if (op === undefined) {
        const o = s as {
          dealId: string;
          type: string;
          status: string;
          occurredOn?: string;
          recordedAt: string;
          fields: Data;
        };
        remember(
          o.dealId,
          add(
            o.type,
            { ...o.fields, dealId: o.dealId, status: o.status, ...dated(o.occurredOn) },
            o.recordedAt,
          ),
        );
      } else if (op === "rename") {
        const r = s as { companyId: string; name: string };
        add("CompanyUpdated", { companyId: r.companyId, name: r.name });
      } else {
        const l = s as {
          dealId: string;
          status?: string;
          changes?: Data;
          occurredOn?: string;
          target?: number;
        };
        const base = { dealId: l.dealId, ...dated(l.occurredOn) };
        if (op === "status") remember(l.dealId, add("DealStatusChanged", { ...base, status: l.status }));
        if (op === "amend") remember(l.dealId, add("DealAmended", { ...base, changes: l.changes }));
        if (op === "end") remember(l.dealId, add("DealEnded", base));
        if (op === "retract") add("DealRetracted", { dealId: l.dealId });
        if (op === "correct") {
          const targets = eventsOf.get(l.dealId) ?? [];
          const target = targets[(l.target ?? 0) % Math.max(1, targets.length)] ?? "none";
          add("DealCorrected", { dealId: l.dealId, correctsEventId: target, changes: l.changes });
        }
      }
    }
    return events;
  });
});

/** Mostly absent: a few filters at a time leave rows to page through. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 6 }, { arbitrary, weight: 1 });
const some = <T>(values: readonly T[]) =>
  rarely(fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }));
const filters: fc.Arbitrary<DealFilters> = fc
  .record({
    company: some(COMPANIES),
    type: some(OPENING_EVENT_TYPES),
    status: some([...STATUSES, "retracted"]),
    layer: some(DEAL_LAYERS),
    fromDay: rarely(fc.constantFrom(...["2019-01-01", "2020-04-01"].map(isoToDay))),
    toDay: rarely(fc.constantFrom(...["2020-06-30", "2021-12-31"].map(isoToDay))),
    q: rarely(
      fc.constantFrom(
        ...["a", "alpha", "σ", "ς", "οδος", "ος\u001f", "a\u001fg", "i̇", "u", "edge", "ño"],
        ...['"hi"', "\\", "x\nσ", "say"],
      ),
    ),
    minValueUsd: rarely(fc.constantFrom(0, 1, 1.001, 3e9)),
  })
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as DealFilters);
const days = fc.constantFrom(
  ...["2018-12-31", "2020-06-30", "2020-09-30", "2021-03-01", "2031-01-01"].map(isoToDay),
);

function foldInto(state: DealRecordsState, events: readonly RecordedEvent[]): DealRecordsState {
  for (const event of events) applyDealRecordEvent(state, event);
  return state;
}

describe("a page of the deal list from the compiled deals", () => {
  it("pages exactly as every record filtered and sorted did (property)", () => {
    fc.assert(
      fc.property(
        logs,
        fc.nat(),
        days,
        filters,
        fc.constantFrom(...DEAL_SORTS),
        fc.integer({ min: 1, max: 4 }),
        (events, cut, day, f, sort, limit) => {
          // A knowledge point part-way through the log, then the head: the same state object moves on.
          const known = cut % (events.length + 1);
          const state = foldInto(createDealRecordsState(), events.slice(0, known));
          expect(pages(newRead(state, day, f, sort), limit)).toEqual(
            pages(referenceRead(state, day, f, sort), limit),
          );
          foldInto(state, events.slice(known));
          const expected = pages(referenceRead(state, day, f, sort), limit);
          expect(pages(newRead(state, day, f, sort), limit)).toEqual(expected);
          // The CSV's pages of 5000 and any page token (a row's key or any string) start where they did.
          expect(newRead(state, day, f, sort)(undefined, 5000)).toEqual(
            referenceRead(state, day, f, sort)(undefined, 5000),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("starts after any page token as the reference does (property)", () => {
    const tokens = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("0", "1 ", "9", "1 zz", "08", "0f"),
    );
    fc.assert(
      fc.property(
        logs,
        days,
        filters,
        fc.constantFrom(...DEAL_SORTS),
        tokens,
        (events, day, f, sort, token) => {
          const state = foldInto(createDealRecordsState(), events);
          const reference = referenceRead(state, day, f, sort);
          const keys = reference(undefined, 100).map((r) => r.sortKey);
          for (const after of [
            token,
            ...keys,
            ...keys.map((k) => `${k}\u0000`),
            ...keys.map((k) => k.slice(0, -1)),
          ]) {
            expect(newRead(state, day, f, sort)(after, 3)).toEqual(reference(after, 3));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads a deal's value, layer and parties at D like its record", () => {
    const state = createDealRecordsState();
    const base = { sources: [{ url: "u1", title: "first" }], status: "announced" };
    const log: RecordedEvent[] = [
      {
        eventId: "e1",
        type: "CompanyRegistered",
        data: { companyId: "a", name: "A" },
        position: 1,
        recordedAt: "2020-01-01T00:00:00Z",
      },
      {
        eventId: "e2",
        type: "ComputeDealReported",
        data: {
          ...base,
          dealId: "x",
          customer: "a",
          provider: "a",
          amount: { usd: 10, per: "month" },
          occurredOn: "2020-01",
        },
        position: 2,
        recordedAt: "2020-01-01T00:00:00Z",
      },
      {
        eventId: "e3",
        type: "DealAmended",
        data: { dealId: "x", changes: { termMonths: 6 }, occurredOn: "2020-06" },
        position: 3,
        recordedAt: "2020-01-01T00:00:00Z",
      },
    ];
    foldInto(state, log);
    const value = (iso: string) =>
      dealPage(state, isoToDay(iso), {}, "-valueUsd", undefined, 10)[0]?.deal.valueUsd;
    expect([value("2020-03-01"), value(dayToIso(isoToDay("2020-06-30")))]).toEqual([120, 60]);
    expect(
      dealPage(state, isoToDay("2020-03-01"), { minValueUsd: 100 }, "dealId", undefined, 10),
    ).toHaveLength(1);
    expect(
      dealPage(state, isoToDay("2020-07-01"), { minValueUsd: 100 }, "dealId", undefined, 10),
    ).toHaveLength(0);
  });
});
