import { describe, expect, it } from "vitest";
import { createLogger, prettyLine } from "./logger.js";

describe("createLogger", () => {
  it("writes one JSON object per line with level, time, role and the call's fields", () => {
    const lines: string[] = [];
    const log = createLogger({ role: "projector", pretty: false, write: (line) => lines.push(line) });
    log.info({ projection: "layer-ownership", eventsPerSecond: 1200 }, "rebuilt");
    log.debug("not at info");
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: "info",
      role: "projector",
      msg: "rebuilt",
      projection: "layer-ownership",
      eventsPerSecond: 1200,
    });
    expect(record.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("honours the level and refuses an unknown one", () => {
    const lines: string[] = [];
    const log = createLogger({
      role: "api",
      level: "warn",
      pretty: false,
      write: (line) => lines.push(line),
    });
    log.info("dropped");
    log.warn("kept");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["kept"]);
    expect(() => createLogger({ role: "api", level: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("prints readable lines on a terminal", () => {
    const lines: string[] = [];
    const log = createLogger({ role: "api", pretty: true, write: (line) => lines.push(line) });
    log.warn({ status: 503, route: "/v1/events" }, "request");
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2} WARN {2}api {2}request {2}status=503 route=\/v1\/events\n$/);
    expect(prettyLine("not json")).toBe("not json");
  });
});
