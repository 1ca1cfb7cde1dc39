import { SyntheticLog } from "../bench/lib/synthetic-log.js";
import { PROJECTIONS } from "../projections/index.js";
import { createDealRecordsState, applyDealRecordEvent } from "../src/domain/deal-records-state.js";
const N = Number(process.argv[2] ?? 1_000_000);
const log = new SyntheticLog({ events: N, companies: 5000, deals: N / 5, seed: 20260322 });
const state = createDealRecordsState();
let pos = 0;
const t0 = performance.now();
while (log.eventsEmitted < N) {
  for (const e of log.nextBatch(1000)) {
    pos++;
    applyDealRecordEvent(state, { ...e, eventId: (e as any).eventId ?? `e${pos}`, position: pos, recordedAt: "2026-01-01T00:00:00.000Z", data: e.data } as any);
  }
}
console.log("fold", ((performance.now() - t0) / 1000).toFixed(1), "s", "rss", (process.memoryUsage().rss / 2 ** 20).toFixed(0), "MiB");
for (let round = 0; round < 3; round++) {
  for (const p of PROJECTIONS) {
    const s = p.name === "deal-records" ? state : state.domain;
    state.domain.applied++; // invalidate memo as a new event would
    const t = performance.now();
    const rows = (p as any).rows(s, "2026-12-31");
    console.log(round, p.name, rows.length, "rows", (performance.now() - t).toFixed(0), "ms");
  }
}
import { controlAt } from "../src/domain/control.js";
import { presenceAt } from "../src/domain/presence.js";
import { edgesAt } from "../src/domain/dependencies.js";
import { isoToDay } from "../src/domain/index.js";
for (let i = 0; i < 3; i++) {
  const day = isoToDay("2026-12-31");
  let t = performance.now();
  const control = controlAt(state.domain, day);
  console.log("controlAt", (performance.now() - t).toFixed(0)); t = performance.now();
  presenceAt(state.domain, day, control);
  console.log("presenceAt", (performance.now() - t).toFixed(0)); t = performance.now();
  const edges = edgesAt(state.domain, day, control);
  console.log("edgesAt", edges.length, (performance.now() - t).toFixed(0)); t = performance.now();
}
