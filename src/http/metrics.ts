import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

/** Counters and latency histograms of the HTTP API, in Prometheus' text format. */
export interface Metrics {
  readonly middleware: MiddlewareHandler;
  /** Events appended (not replays). */
  countAppended(events: number): void;
  render(gauges: Record<string, Gauge>): string;
}

/** A gauge: its help text and its samples (label string, without braces, or "" for none). */
export interface Gauge {
  readonly help: string;
  readonly samples: readonly (readonly [string, number])[];
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  let appended = 0;

  return {
    middleware: async function measure(c, next) {
      const started = performance.now();
      await next();
      // Label by route pattern, not by raw path: ids in paths would explode the series.
      const route = routePath(c) || "unmatched";
      const key = `method="${c.req.method}",route="${route}",status="${c.res.status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const seconds = (performance.now() - started) / 1000;
      const series = `method="${c.req.method}",route="${route}"`;
      const entry = durations.get(series) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) entry.buckets[i]! += 1;
      });
      entry.sum += seconds;
      entry.count += 1;
      durations.set(series, entry);
    },
    countAppended(events) {
      appended += events;
    },
    render(gauges) {
      const lines = [
        "# HELP stackledger_http_requests_total HTTP requests by route and status.",
        "# TYPE stackledger_http_requests_total counter",
        ...[...requests].map(([labels, value]) => `stackledger_http_requests_total{${labels}} ${value}`),
        "# HELP stackledger_http_request_duration_seconds HTTP request latency.",
        "# TYPE stackledger_http_request_duration_seconds histogram",
      ];
      for (const [labels, entry] of durations) {
        BUCKETS.forEach((bound, i) => {
          lines.push(
            `stackledger_http_request_duration_seconds_bucket{${labels},le="${bound}"} ${entry.buckets[i]}`,
          );
        });
        lines.push(`stackledger_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${entry.count}`);
        lines.push(`stackledger_http_request_duration_seconds_sum{${labels}} ${entry.sum}`);
        lines.push(`stackledger_http_request_duration_seconds_count{${labels}} ${entry.count}`);
      }
      lines.push(
        "# HELP stackledger_events_appended_total Events appended through this process (replays excluded).",
        "# TYPE stackledger_events_appended_total counter",
        `stackledger_events_appended_total ${appended}`,
      );
      for (const [name, gauge] of Object.entries(gauges)) {
        lines.push(`# HELP ${name} ${gauge.help}`, `# TYPE ${name} gauge`);
        for (const [labels, value] of gauge.samples)
          lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
      }
      return `${lines.join("\n")}\n`;
    },
  };
}
