import { describe, expect, it } from "vitest";
import { createWakeUp } from "./wake-up.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createWakeUp", () => {
  it("coalesces a burst into few NOTIFYs spaced apart, and always notifies after the last signal", async () => {
    const sent: { at: number; signalsBefore: number }[] = [];
    let signals = 0;
    const wakeUp = createWakeUp(
      async () => {
        sent.push({ at: performance.now(), signalsBefore: signals });
        await sleep(1);
      },
      undefined,
      20,
    );
    const heard: number[] = [];
    wakeUp.subscribe(() => heard.push(signals));
    const burstStarted = performance.now();
    for (let i = 0; i < 200; i++) {
      signals++;
      wakeUp.signal();
      if (i % 20 === 0) await sleep(2);
    }
    const burstMs = performance.now() - burstStarted;
    await sleep(100);
    // In-process listeners hear every signal at once.
    expect(heard).toHaveLength(200);
    // 200 signals over the burst: one NOTIFY per 20 ms at most (timers: within 2 ms), not one per signal.
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.length).toBeLessThanOrEqual(Math.floor(burstMs / 18) + 2);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(18);
    // No lost wake-up: the last NOTIFY was sent after the last signal.
    expect(sent[sent.length - 1]!.signalsBefore).toBe(200);
  });

  it("sends at once when idle, and reports a failing NOTIFY without throwing", async () => {
    const errors: string[] = [];
    let calls = 0;
    const wakeUp = createWakeUp(
      async () => {
        calls++;
        throw new Error("connection lost");
      },
      (error) => errors.push(error.message),
    );
    expect(() => wakeUp.signal()).not.toThrow();
    await sleep(10);
    expect(calls).toBe(1);
    expect(errors).toEqual(["connection lost"]);
    wakeUp.signal();
    await sleep(10);
    expect(calls).toBe(2);
  });
});
