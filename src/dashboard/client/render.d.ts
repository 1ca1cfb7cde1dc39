// Types of render.js (plain JS so that the browser loads the very module the server renders with).
// The view shapes are those of the public API (shared/api.md, docs/projections.md).

export type Layer = "hardware" | "compute" | "model" | "application";
export type EdgeLayer = Layer | "capital" | "energy";
export type LayerPath =
  | "direct"
  | "via_acquisition"
  | "via_wholly_owned_subsidiary"
  | "via_majority_owned_subsidiary";

export interface HeldLayer {
  readonly weight: number;
  readonly path: LayerPath;
  readonly via?: string;
  readonly since: string;
}

export interface CompanyLayers {
  readonly companyId: string;
  readonly name: string;
  readonly layers: Partial<Record<Layer, HeldLayer>>;
  readonly plannedLayers: readonly Layer[];
  readonly controlledBy?: string;
  readonly ultimateParent: string;
}

export interface CompanyDetail extends CompanyLayers {
  readonly asOf: string;
  readonly cursor: string;
  readonly controls: readonly { companyId: string; stake: number; since: string }[];
}

export interface Edge {
  readonly customer: string;
  readonly supplier: string;
  readonly layer: EdgeLayer;
  readonly weight: number;
  readonly totalValueUsd: number | null;
  readonly firstSeen: string;
  readonly deals: readonly string[];
}

export interface Ranking {
  readonly rank: number;
  readonly companyId: string;
  readonly name: string;
  readonly score: number;
  readonly layers: Partial<Record<Layer, number>>;
  readonly directLayers: number;
  readonly attainedAt: string;
}

export interface TimelineEntry {
  readonly id: string;
  readonly type: string;
  readonly streamId: string;
  readonly cursor: string;
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
  readonly effectiveDate: string;
  readonly status: string | null;
}

export interface Timeline {
  readonly companyId: string;
  readonly cursor: string;
  readonly events: readonly TimelineEntry[];
}

/** The state a view is drawn for; only asOf and knownAt travel into links. */
export interface ViewState {
  readonly asOf?: string;
  readonly knownAt?: string;
  readonly sort?: string;
  readonly dir?: "asc" | "desc";
  readonly q?: string;
  readonly company?: string;
  readonly layer?: string;
  readonly focus?: string;
}

export interface MatrixRow {
  readonly company: CompanyLayers;
  readonly depth: number;
  readonly group: string;
  hidden: boolean;
}

export const LAYERS: readonly Layer[];
export const EDGE_LAYERS: readonly EdgeLayer[];
export const GRAPH_COLUMNS: readonly string[];
export const PATHS: Readonly<Record<LayerPath, { label: string; glyph: string }>>;

export function escapeHtml(value: unknown): string;
export function timeQuery(state: ViewState): string;
export function renderPartialDate(partial: string | undefined, effective?: string): string;
export function formatUsd(value: number | null | undefined): string;
export function matrixRows(companies: readonly CompanyLayers[], options?: ViewState): MatrixRow[];
export function renderMatrix(companies: readonly CompanyLayers[], options?: ViewState): string;
export function renderRankings(rankings: readonly Ranking[], state?: ViewState): string;
export function mainLayer(company: CompanyLayers | undefined, edges: readonly Edge[]): Layer | "other";
export function graphLayout(
  edges: readonly Edge[],
  companies: readonly CompanyLayers[],
): {
  nodes: Map<string, { id: string; name: string; column: string; x: number; y: number }>;
  width: number;
  height: number;
};
export function strokeWidth(weight: number): number;
export function renderGraph(
  edges: readonly Edge[],
  companies: readonly CompanyLayers[],
  state?: ViewState,
): string;
export function renderLegend(): string;
export function renderNeighbourhood(
  id: string | undefined,
  edges: readonly Edge[],
  companies: readonly CompanyLayers[],
  state?: ViewState,
): string;
export function renderCompany(
  detail: CompanyDetail,
  edges: readonly Edge[],
  timeline: Timeline,
  companies: readonly CompanyLayers[],
  state?: ViewState,
): string;
