/**
 * The side-by-side chart of a run as SVG: one group of bars per workload (ours, Emmett, the ceiling),
 * each bar's length relative to the fastest side of its workload, labelled with its median rate and the
 * reported ratio of ours to it. Plain SVG text, no dependencies.
 */
import type { Workload } from "../workloads/types.js";
import { formatRate, type Results } from "./report.js";

export interface ChartGroup {
  readonly workload: string;
  readonly bars: readonly {
    readonly label: string;
    readonly kind: "ours" | "emmett" | "ceiling";
    readonly rate: number;
    /** The reported ratio of ours to this bar (median of the per-run ratios), when there is one. */
    readonly ratio?: number;
  }[];
}

const COLORS = { ours: "#2563eb", emmett: "#f59e0b", ceiling: "#9ca3af" } as const;
const WIDTH = 820;
const LABEL = 190;
const BAR = 16;
const GAP = 4;
const GROUP_GAP = 18;
const RIGHT = 150;

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderChart(title: string, subtitle: string, groups: readonly ChartGroup[]): string {
  const plot = WIDTH - LABEL - RIGHT;
  const parts: string[] = [];
  let y = 64;
  for (const group of groups) {
    const max = Math.max(...group.bars.map((bar) => bar.rate).filter(Number.isFinite), 1);
    parts.push(`<text x="8" y="${y + 12}" font-weight="600">${escapeXml(group.workload)}</text>`);
    y += BAR + GAP;
    for (const bar of group.bars) {
      const length = Number.isFinite(bar.rate) ? Math.max(1, (bar.rate / max) * plot) : 0;
      const ratio = bar.ratio === undefined ? "" : ` (ours ${bar.ratio.toFixed(2)}×)`;
      parts.push(
        `<text x="${LABEL - 6}" y="${y + 12}" text-anchor="end" fill="#374151">${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${length.toFixed(1)}" height="${BAR}" fill="${COLORS[bar.kind]}"/>`,
        `<text x="${(LABEL + length + 6).toFixed(1)}" y="${y + 12}" fill="#111827">${formatRate(bar.rate)} ev/s${escapeXml(ratio)}</text>`,
      );
      y += BAR + GAP;
    }
    y += GROUP_GAP;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="16" font-weight="700">${escapeXml(title)}</text>`,
    `<text x="8" y="42" fill="#4b5563">${escapeXml(subtitle)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

/** The chart of a run's results: per workload, the sides its definition charts as ours, Emmett and ceiling. */
export function chartOfRun(output: Results, workloads: readonly Workload[]): string {
  const { versions, machine } = output;
  return renderChart(
    `stackledger vs Emmett ${versions["@event-driven-io/emmett-postgresql"]} vs ceiling (${output.date}${output.quick ? ", quick" : ""})`,
    `median events/s of ${output.runs} runs; PostgreSQL ${machine.postgres}, fsync=${machine.fsync}, ` +
      `synchronous_commit=${machine.synchronous_commit}; ${machine.cpus} CPUs`,
    workloads.flatMap((w) => {
      const result = output.workloads[w.name];
      if (!result) return [];
      const bar = (kind: "ours" | "emmett" | "ceiling", label: string) => {
        const side = w.chart[kind];
        if (!side || !result.sides[side]) return [];
        const ratio = Object.values(result.ratios).find(
          (r) => kind !== "ours" && r.of === w.chart.ours && r.to === side,
        );
        return [
          {
            kind,
            label,
            rate: result.sides[side].rate.median,
            ...(ratio ? { ratio: ratio.summary.median } : {}),
          },
        ];
      };
      return [
        {
          workload: w.name,
          bars: [
            ...bar("ours", w.chart.ours === "ours" ? "stackledger" : `stackledger ${w.chart.ours}`),
            ...bar("emmett", "Emmett"),
            ...bar("ceiling", w.chart.ceiling === "ceiling" ? "ceiling" : (w.chart.ceiling ?? "")),
          ],
        },
      ];
    }),
  );
}
