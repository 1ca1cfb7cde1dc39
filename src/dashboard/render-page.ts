import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import {
  type CompanyLayers,
  EDGE_LAYERS,
  type Edge,
  type Ranking,
  renderLegend,
  type ViewState,
} from "./client/render.js";
import type { LogIndexSnapshot } from "./log-index.js";

/** What the client script starts from (embedded as JSON; the page's data attributes say the rest). */
export interface Boot {
  readonly page: "map" | "company" | "deals" | "deal";
  readonly dealId?: string;
  readonly companyId?: string;
  readonly today: string;
  readonly firstDate: string;
  readonly asOf: string;
  readonly cursor: string;
  readonly known: LogIndexSnapshot["known"];
  /** The map's views as rendered, so that sorting, search and the graph's focus need no refetch. */
  readonly data?: {
    readonly companies: readonly CompanyLayers[];
    readonly rankings: readonly Ranking[];
    readonly edges: readonly Edge[];
  };
}

export interface PageParts {
  readonly title: string;
  readonly boot: Boot;
  readonly state: ViewState;
  /** Pre-rendered (escaped) HTML of the page's own sections. */
  readonly main: string;
  readonly error?: string;
  /** The stylesheet, inlined: one round trip less before the first paint. */
  readonly css: string;
}

// `</script>` must not close the JSON island early.
const jsonIsland = (value: unknown) => raw(JSON.stringify(value).replace(/</g, "\\u003c"));

const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);

/** The document around the views: header, time controls, the sections, the live ticker and the append form. */
export function renderPage(parts: PageParts): HtmlEscapedString | Promise<HtmlEscapedString> {
  const { boot, state } = parts;
  const asOf = state.asOf ?? boot.asOf;
  const mapOnly = boot.page === "map";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title}</title>
<link rel="icon" href="data:,">
<style>${raw(parts.css)}</style>
<link rel="modulepreload" href="/dashboard/render.js">
</head>
<body data-page="${boot.page}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <h1><a href="/">stackledger</a> <span class="muted">map of the AI stack</span></h1>
  <nav class="nav" aria-label="Sections"><a href="/"${boot.page === "map" ? raw(' aria-current="page"') : ""}>Map</a> <a href="/deals"${boot.page === "deals" ? raw(' aria-current="page"') : ""}>Deals</a></nav>
  <span id="badge" class="badge" data-state="offline" role="status">offline</span>
</header>
<form id="controls" class="controls" method="get" action="">
  <div class="time">
    <label for="asOf-range">As of</label>
    <input id="asOf-range" type="range" min="${dayNumber(boot.firstDate)}" max="${dayNumber(boot.today)}" step="1" value="${dayNumber(asOf)}" aria-valuetext="${asOf}" disabled>
    <input id="asOf" name="asOf" type="date" min="${boot.firstDate}" max="${boot.today}" value="${asOf}" aria-label="As of date">
    <button type="button" id="today-button">Today</button>
    <label class="known"><input type="checkbox" id="known" name="known" value="then" ${state.knownAt ? "checked" : ""}> as known then</label>
    ${state.knownAt ? html`<input type="hidden" name="knownAt" value="${state.knownAt}">` : ""}
    <button type="submit" class="no-js">Show</button>
  </div>
  <p class="muted status-line">Showing <span id="shown-asof">${asOf}</span>, knowledge <code id="shown-cursor">${state.knownAt ?? boot.cursor}</code></p>
  ${mapOnly ? html`<input type="hidden" name="sort" value="${state.sort ?? ""}"><input type="hidden" name="dir" value="${state.dir ?? ""}">` : ""}
</form>
${parts.error ? html`<p class="error" role="alert">${parts.error}</p>` : ""}
<main id="main" class="${mapOnly ? "map" : boot.page === "company" ? "company" : boot.page}">
${raw(parts.main)}
<aside id="live" aria-labelledby="live-title">
  <h2 id="live-title">Live changes</h2>
  <ol id="ticker" aria-live="polite" aria-relevant="additions"><li class="muted placeholder">Changes to the views appear here as they are committed.</li></ol>
</aside>
<section id="append" aria-labelledby="append-title">
  <details>
    <summary><h2 id="append-title">Append an event</h2> <span class="muted">(analysts, with a token)</span></summary>
    <form id="append-form">
      <label for="append-token">Token</label>
      <input id="append-token" type="password" autocomplete="off" spellcheck="false" placeholder="sl_…">
      <label for="append-body">One event (JSON)</label>
      <textarea id="append-body" rows="8" spellcheck="false" aria-describedby="append-errors">{ "type": "DealStatusChanged", "data": { "dealId": "spacex-anysphere", "status": "completed", "occurredOn": "2026-06" } }</textarea>
      <div id="append-errors" class="append-errors" role="alert"></div>
      <button type="submit">Append</button>
    </form>
  </details>
</section>
</main>
<script type="application/json" id="boot">${jsonIsland(boot)}</script>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>`;
}

/** The map's sections around the pre-rendered matrix, ranking and graph. */
export function renderMapSections(
  state: ViewState,
  companies: readonly CompanyLayers[],
  parts: { matrix: string; rankings: string; graph: string; neighbourhood: string },
) {
  const companyOptions = companies.map(
    (c) =>
      html`<option value="${c.companyId}" ${c.companyId === state.company ? "selected" : ""}>${c.name}</option>`,
  );
  const layerOptions = EDGE_LAYERS.map(
    (layer) => html`<option value="${layer}" ${layer === state.layer ? "selected" : ""}>${layer}</option>`,
  );
  return html`<section id="matrix-section" aria-labelledby="matrix-title">
  <div class="section-head"><h2 id="matrix-title">Layers</h2>
  <label class="search"><span class="sr-only">Search companies</span><input id="search" type="search" name="q" form="controls" placeholder="Search companies" value="${state.q ?? ""}"></label></div>
  <div id="matrix" class="scroll">${raw(parts.matrix)}</div>
</section>
<section id="rankings-section" aria-labelledby="rankings-title">
  <h2 id="rankings-title">Rankings</h2>
  <div id="rankings" class="scroll">${raw(parts.rankings)}</div>
</section>
<section id="graph-section" aria-labelledby="graph-title">
  <div class="section-head"><h2 id="graph-title">Dependencies <span class="muted">customer → supplier</span></h2>
  <div class="filters">
    <label>Company <select id="graph-company" name="company" form="controls"><option value="">all companies</option>${companyOptions}</select></label>
    <label>Layer <select id="graph-layer" name="layer" form="controls"><option value="">all layers</option>${layerOptions}</select></label>
  </div></div>
  <div class="legend-wrap">${raw(renderLegend())}</div>
  <div class="graph-area">
    <div id="graph" class="graph-wrap">${raw(parts.graph)}</div>
    <div id="neighbourhood" class="neighbourhood" aria-live="polite">${raw(parts.neighbourhood)}</div>
  </div>
</section>`;
}
