import http from "node:http";
import { performance } from "node:perf_hooks";
import { withBenchDatabase } from "./lib/database.js";
import { companyUpdated, registerCompanies } from "./lib/events.js";
import { startServerProcess } from "./lib/server-process.js";
import { concurrently } from "./lib/timing.js";
import { sampleProcess } from "./lib/process-stats.js";
const N = Number(process.env.N ?? 4000);
await withBenchDatabase(4, async (bench) => {
  await registerCompanies(bench, N + 500, undefined, false);
  const server = await startServerProcess({
    DATABASE_URL: bench.url, STACKLEDGER_TOKENS: "t=append", STACKLEDGER_PROJECTOR: "false",
    STACKLEDGER_DEMO_DATA: "false", STACKLEDGER_POOL_SIZE: "16"
  }, process.env.PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const target = new URL("/v1/events", server.url);
  const post = (body: string) => new Promise<void>((resolve, reject) => {
    const r = http.request(target, { method: "POST", agent, headers: { authorization: "Bearer t", "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => { res.resume(); res.on("end", () => res.statusCode === 201 ? resolve() : reject(new Error(String(res.statusCode)))); });
    r.on("error", reject); r.end(body);
  });
  await concurrently(0, 500, 32, (i) => post(JSON.stringify({ events: [companyUpdated(i)] })));
  const { readFileSync } = await import("node:fs");
  const ut = () => { const f = readFileSync(`/proc/${server.pid}/stat`, "utf8"); const x = f.slice(f.lastIndexOf(")") + 2).split(" "); return [Number(x[11]), Number(x[12])]; };
  const u0 = ut();
  const before = await sampleProcess(server.pid);
  const t = performance.now();
  await concurrently(500, 500 + N, 32, (i) => post(JSON.stringify({ events: [companyUpdated(i)] })));
  const ms = performance.now() - t;
  const after = await sampleProcess(server.pid);
  const u1 = ut(); console.log(`server user ${((u1[0]-u0[0])*10/N).toFixed(3)} ms/req, sys ${((u1[1]-u0[1])*10/N).toFixed(3)} ms/req`);
  const st = (f: string) => Number(f);
  console.log(`server cpu per request ${((after.cpuSeconds - before.cpuSeconds) * 1000 / N).toFixed(3)} ms`);
  console.log(`http ${(N * 1000 / ms).toFixed(0)} req/s; server cpu ${((after.cpuSeconds - before.cpuSeconds) / (ms / 1000) * 100).toFixed(0)}%; self cpu ${(process.cpuUsage().user/1e6).toFixed(1)}s; rss ${after.hwmMiB.toFixed(0)}`);
  agent.destroy();
  await server.stop();
});
// library CPU per append, same machine
import { appendEvents } from "../src/event-log/append-events.js";
import { context } from "./lib/events.js";
await withBenchDatabase(16, async (bench) => {
  await registerCompanies(bench, N + 500, undefined, false);
  await concurrently(0, 500, 16, async (i) => { await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench)); });
  const c0 = process.cpuUsage(); const t = performance.now();
  await concurrently(500, 500 + N, 16, async (i) => { await appendEvents(bench.handle.db, [companyUpdated(i)], context(bench)); });
  const ms = performance.now() - t; const c = process.cpuUsage(c0);
  console.log(`library ${(N * 1000 / ms).toFixed(0)}/s; cpu per append ${((c.user + c.system) / N / 1000).toFixed(3)} ms (user ${(c.user/N/1000).toFixed(3)} sys ${(c.system/N/1000).toFixed(3)})`);
});
