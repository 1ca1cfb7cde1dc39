// Pure HTML renderers shared by the server (first paint) and the browser (redraws): one source of markup, so a
// client redraw produces exactly what the server sent and nothing jumps. No DOM, no Node API. Types in render.d.ts.

export const LAYERS = ["hardware", "compute", "model", "application"];
export const EDGE_LAYERS = [...LAYERS, "capital", "energy"];

export const PATHS = {
  direct: { label: "direct", glyph: "●" },
  via_acquisition: { label: "via acquisition", glyph: "◆" },
  via_wholly_owned_subsidiary: { label: "wholly-owned subsidiary", glyph: "■" },
  via_majority_owned_subsidiary: { label: "majority-owned subsidiary", glyph: "◧" },
};

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** `?asOf=…&knownAt=…` (only what is set), to carry the time state into links. */
export function timeQuery(state) {
  const params = new URLSearchParams();
  if (state.asOf) params.set("asOf", state.asOf);
  if (state.knownAt) params.set("knownAt", state.knownAt);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function companyLink(id, name, state) {
  return `<a href="/companies/${encodeURIComponent(id)}${escapeHtml(timeQuery(state))}">${escapeHtml(name ?? id)}</a>`;
}

/** A date as the source gave it: "2025-H2", "2026-06", "2023" keep their precision; the title gives the effective day. */
export function renderPartialDate(partial, effective) {
  if (!partial)
    return effective ? `<time datetime="${escapeHtml(effective)}">${escapeHtml(effective)}</time>` : "";
  const title = effective && effective !== partial ? ` title="effective ${escapeHtml(effective)}"` : "";
  return `<time datetime="${escapeHtml(effective ?? partial)}"${title}>${escapeHtml(partial)}</time>`;
}

export function formatUsd(value) {
  if (value === null || value === undefined) return "n/a";
  const units = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units) {
    if (value >= size) return `$${Number((value / size).toFixed(1))}${suffix}`;
  }
  return `$${value}`;
}

// ---------------------------------------------------------------------------------------------------------
// Layer matrix

const layerCount = (company) => Object.keys(company.layers).length;
const layerWeight = (company, layer) =>
  company.layers[layer]?.weight ?? (company.plannedLayers.includes(layer) ? -0.5 : -1);

function compareBy(sort) {
  if (sort === "name") return (a, b) => a.name.localeCompare(b.name, "en");
  if (LAYERS.includes(sort)) return (a, b) => layerWeight(a, sort) - layerWeight(b, sort);
  return (a, b) => layerCount(a) - layerCount(b) || b.name.localeCompare(a.name, "en");
}

/**
 * Rows in display order: each ultimate parent, then the entities it controls folded under it (depth by the
 * control chain), groups and siblings ordered by the sort key; `hidden` where the search does not match
 * (a parent stays visible when one of its entities matches, for context).
 */
export function matrixRows(companies, options = {}) {
  const sort = options.sort ?? "layers";
  const dir = options.dir ?? (sort === "name" ? "asc" : "desc");
  const sign = dir === "asc" ? 1 : -1;
  const base = compareBy(sort);
  const compare = (a, b) => sign * base(a, b) || (a.companyId < b.companyId ? -1 : 1);
  const byId = new Map(companies.map((c) => [c.companyId, c]));
  const children = new Map();
  const roots = [];
  for (const company of companies) {
    const parent = company.controlledBy && byId.has(company.controlledBy) ? company.controlledBy : undefined;
    if (parent && parent !== company.companyId) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(company);
    } else roots.push(company);
  }
  const query = (options.q ?? "").trim().toLowerCase();
  const matches = (c) => !query || c.companyId.includes(query) || c.name.toLowerCase().includes(query);
  const rows = [];
  const seen = new Set();
  const visit = (company, depth, group) => {
    if (seen.has(company.companyId)) return;
    seen.add(company.companyId);
    rows.push({ company, depth, group, hidden: !matches(company) });
    for (const child of [...(children.get(company.companyId) ?? [])].sort(compare))
      visit(child, depth + 1, group);
  };
  for (const root of [...roots].sort(compare)) {
    const start = rows.length;
    visit(root, 0, root.companyId);
    const group = rows.slice(start);
    if (group.some((row) => !row.hidden)) group[0].hidden = false;
  }
  // Control cycles leave entities without a root: show them flat rather than drop them.
  for (const company of companies) visit(company, 0, company.companyId);
  return rows;
}

function matrixCell(company, layer, state, names) {
  const held = company.layers[layer];
  if (held) {
    const path = PATHS[held.path] ?? { label: held.path, glyph: "●" };
    const via = held.via
      ? ` <span class="via">via ${companyLink(held.via, names.get(held.via), state)}</span>`
      : "";
    const title = `${layer}: ${path.label}${held.via ? ` (${held.via})` : ""}, weight ${held.weight}, since ${held.since}`;
    return (
      `<td class="cell held l-${layer}" data-layer="${layer}" data-path="${escapeHtml(held.path)}"` +
      `${held.via ? ` data-via="${escapeHtml(held.via)}"` : ""} data-weight="${held.weight}" title="${escapeHtml(title)}">` +
      `<span class="glyph" aria-hidden="true">${path.glyph}</span> <span class="label">${escapeHtml(path.label)}</span>${via}` +
      `<span class="since">since ${escapeHtml(held.since)}</span></td>`
    );
  }
  if (company.plannedLayers.includes(layer)) {
    return `<td class="cell planned l-${layer}" data-layer="${layer}" data-planned="true" title="${layer}: planned (announced)"><span class="glyph" aria-hidden="true">○</span> planned</td>`;
  }
  return `<td class="cell none" data-layer="${layer}"><span class="sr-only">not held</span></td>`;
}

function sortHeader(key, label, options) {
  const sort = options.sort ?? "layers";
  const active = sort === key;
  const dir = options.dir ?? (sort === "name" ? "asc" : "desc");
  const aria = active ? (dir === "asc" ? "ascending" : "descending") : "none";
  const arrow = active ? (dir === "asc" ? "▲" : "▼") : "↕";
  const cls = LAYERS.includes(key) ? ` class="l-${key}"` : "";
  return `<th scope="col" aria-sort="${aria}"${cls}><button type="button" class="sort" data-sort="${key}">${escapeHtml(label)} <span aria-hidden="true">${arrow}</span></button></th>`;
}

export function renderMatrix(companies, options = {}) {
  const names = new Map(companies.map((c) => [c.companyId, c.name]));
  const rows = matrixRows(companies, options);
  const body = rows
    .map(({ company, depth, group, hidden }) => {
      const indent =
        depth > 0 ? `<span class="fold" aria-hidden="true">${"└ ".padStart(depth * 2, " ")}</span>` : "";
      const controlled = company.controlledBy
        ? ` <span class="muted controlled">controlled by ${escapeHtml(names.get(company.controlledBy) ?? company.controlledBy)}</span>`
        : "";
      const cells = LAYERS.map((layer) => matrixCell(company, layer, options, names)).join("");
      return (
        `<tr data-company="${escapeHtml(company.companyId)}" data-group="${escapeHtml(group)}" data-depth="${depth}"${hidden ? " hidden" : ""}>` +
        `<th scope="row" class="company depth-${Math.min(depth, 3)}">${indent}${companyLink(company.companyId, company.name, options)}${controlled}</th>` +
        `<td class="num">${layerCount(company)}</td>${cells}</tr>`
      );
    })
    .join("");
  const head =
    sortHeader("name", "Company", options) +
    sortHeader("layers", "Layers", options) +
    LAYERS.map((layer) => sortHeader(layer, layer, options)).join("");
  return `<table class="matrix"><caption class="sr-only">Stack layers held by each company</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------------------
// Rankings

function layerChips(layers) {
  return LAYERS.filter((layer) => layers[layer] !== undefined)
    .map(
      (layer) =>
        `<span class="chip l-${layer}" title="${layer}: ${layers[layer]}">${layer} ${layers[layer]}</span>`,
    )
    .join(" ");
}

export function renderRankings(rankings, state = {}) {
  const rows = rankings
    .map(
      (r) =>
        `<tr data-company="${escapeHtml(r.companyId)}" data-rank="${r.rank}" data-score="${r.score}">` +
        `<td class="num">${r.rank}</td><th scope="row">${companyLink(r.companyId, r.name, state)}</th>` +
        `<td class="num">${r.score}</td><td>${layerChips(r.layers)} <span class="muted">(${r.directLayers} direct)</span></td>` +
        `<td><time datetime="${escapeHtml(r.attainedAt)}">${escapeHtml(r.attainedAt)}</time></td></tr>`,
    )
    .join("");
  const empty =
    rankings.length === 0
      ? `<tr><td colspan="5" class="muted">No company holds a layer at this date.</td></tr>`
      : "";
  return (
    `<table class="rankings"><caption class="sr-only">Integration ranking</caption><thead><tr>` +
    `<th scope="col">Rank</th><th scope="col">Company</th><th scope="col">Score</th><th scope="col">Layers</th><th scope="col">Attained</th>` +
    `</tr></thead><tbody>${rows}${empty}</tbody></table>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Dependency graph

/** The stack layer a company mainly holds: highest weight, then most supplied, then highest in the stack. */
export function mainLayer(company, edges) {
  if (!company) return "other";
  let best = "other";
  let bestScore = 0;
  for (const layer of LAYERS) {
    const held = company.layers[layer]?.weight ?? 0;
    if (held === 0) continue;
    const supplied = edges
      .filter((e) => e.supplier === company.companyId && e.layer === layer)
      .reduce((sum, e) => sum + e.weight, 0);
    const score = held * 1000 + supplied;
    if (score >= bestScore) {
      best = layer;
      bestScore = score;
    }
  }
  return best;
}

export const GRAPH_COLUMNS = ["other", "application", "model", "compute", "hardware"];
const COL_WIDTH = 200;
const NODE_W = 150;
const NODE_H = 28;
const ROW_GAP = 44;
const TOP = 48;

/** Node positions: columns by main layer (customers mostly left of their suppliers), names in order. */
export function graphLayout(edges, companies) {
  const byId = new Map(companies.map((c) => [c.companyId, c]));
  const ids = [...new Set(edges.flatMap((e) => [e.customer, e.supplier]))];
  const columns = new Map(GRAPH_COLUMNS.map((col) => [col, []]));
  for (const id of ids) {
    const company = byId.get(id);
    columns.get(mainLayer(company, edges)).push({ id, name: company?.name ?? id });
  }
  const nodes = new Map();
  let rowsMax = 0;
  GRAPH_COLUMNS.forEach((col, ci) => {
    const list = columns.get(col).sort((a, b) => a.name.localeCompare(b.name, "en"));
    rowsMax = Math.max(rowsMax, list.length);
    list.forEach((node, ri) => {
      nodes.set(node.id, { ...node, column: col, x: 10 + ci * COL_WIDTH, y: TOP + ri * ROW_GAP });
    });
  });
  return {
    nodes,
    width: 10 + GRAPH_COLUMNS.length * COL_WIDTH,
    height: TOP + Math.max(rowsMax, 1) * ROW_GAP + 10,
  };
}

export const strokeWidth = (weight) => Math.round(Math.min(1.5 + weight * 1.5, 9) * 10) / 10;

function edgePath(from, to, offset) {
  const fy = from.y + NODE_H / 2 + offset;
  const ty = to.y + NODE_H / 2 + offset;
  if (to.x > from.x) {
    const x1 = from.x + NODE_W;
    const x2 = to.x - 6;
    const mid = (x2 - x1) / 2;
    return `M${x1},${fy} C${x1 + mid},${fy} ${x2 - mid},${ty} ${x2},${ty}`;
  }
  if (to.x < from.x) {
    const x1 = from.x;
    const x2 = to.x + NODE_W + 6;
    const mid = (x1 - x2) / 2;
    return `M${x1},${fy} C${x1 - mid},${fy + 30} ${x2 + mid},${ty + 30} ${x2},${ty}`;
  }
  // Same column: bulge out to the right.
  const x = from.x + NODE_W;
  const bulge = 40 + Math.abs(ty - fy) / 4;
  return `M${x},${fy} C${x + bulge},${fy} ${x + bulge},${ty} ${x + 6},${ty}`;
}

function edgeTitle(edge, names) {
  const name = (id) => names.get(id) ?? id;
  return [
    `${name(edge.customer)} → ${name(edge.supplier)} (${edge.layer})`,
    `weight ${edge.weight}`,
    `value ${formatUsd(edge.totalValueUsd)}`,
    `first seen ${edge.firstSeen}`,
    `deals: ${edge.deals.join(", ")}`,
  ].join("\n");
}

export function renderGraph(edges, companies, state = {}) {
  const names = new Map(companies.map((c) => [c.companyId, c.name]));
  const { nodes, width, height } = graphLayout(edges, companies);
  const headers = GRAPH_COLUMNS.map(
    (col, ci) =>
      `<text class="col-head" x="${10 + ci * COL_WIDTH + NODE_W / 2}" y="20" text-anchor="middle">${col === "other" ? "no layer held" : col}</text>`,
  ).join("");
  const pairCount = new Map();
  const paths = edges
    .map((edge) => {
      const from = nodes.get(edge.customer);
      const to = nodes.get(edge.supplier);
      if (!from || !to) return "";
      const pair = `${edge.customer}>${edge.supplier}`;
      const index = pairCount.get(pair) ?? 0;
      pairCount.set(pair, index + 1);
      const offset = (index % 2 === 0 ? 1 : -1) * Math.ceil(index / 2) * 6;
      return (
        `<path class="edge e-${edge.layer}" d="${edgePath(from, to, offset)}" stroke-width="${strokeWidth(edge.weight)}" marker-end="url(#arrow-${edge.layer})"` +
        ` data-customer="${escapeHtml(edge.customer)}" data-supplier="${escapeHtml(edge.supplier)}" data-layer="${edge.layer}" data-weight="${edge.weight}">` +
        `<title>${escapeHtml(edgeTitle(edge, names))}</title></path>`
      );
    })
    .join("");
  const degree = new Map();
  for (const e of edges) {
    degree.set(e.customer, (degree.get(e.customer) ?? 0) + 1);
    degree.set(e.supplier, (degree.get(e.supplier) ?? 0) + 1);
  }
  const nodeMarkup = [...nodes.values()]
    .map((node) => {
      const label = `${node.name}: ${node.column === "other" ? "holds no layer" : `mainly ${node.column}`}, ${degree.get(node.id) ?? 0} edges`;
      const selected = state.focus === node.id ? " selected" : "";
      return (
        `<g class="node n-${node.column}${selected}" data-company="${escapeHtml(node.id)}" tabindex="0" role="button" aria-label="${escapeHtml(label)}" transform="translate(${node.x},${node.y})">` +
        `<title>${escapeHtml(label)}</title><rect width="${NODE_W}" height="${NODE_H}" rx="6"></rect>` +
        `<text x="${NODE_W / 2}" y="${NODE_H / 2 + 5}" text-anchor="middle">${escapeHtml(node.name)}</text></g>`
      );
    })
    .join("");
  const markers = EDGE_LAYERS.map(
    (layer) =>
      `<marker id="arrow-${layer}" class="m-${layer}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto"><path d="M0,0 L10,5 L0,10 z"></path></marker>`,
  ).join("");
  const empty =
    edges.length === 0
      ? `<text x="${width / 2}" y="${TOP + 10}" text-anchor="middle" class="muted">No dependencies at this date.</text>`
      : "";
  return (
    `<svg class="graph" viewBox="0 0 ${width} ${height}" role="group" aria-label="Dependency graph: ${edges.length} edges, customer to supplier" data-edges="${edges.length}">` +
    `<defs>${markers}</defs>${headers}<g class="edges">${paths}</g><g class="nodes">${nodeMarkup}</g>${empty}</svg>`
  );
}

export function renderLegend() {
  const layers = EDGE_LAYERS.map(
    (layer) =>
      `<li><svg width="28" height="10" aria-hidden="true"><line class="edge e-${layer}" x1="0" y1="5" x2="28" y2="5" stroke-width="3"></line></svg> ${layer}</li>`,
  ).join("");
  const paths = Object.values(PATHS)
    .map((p) => `<li><span aria-hidden="true">${p.glyph}</span> ${p.label}</li>`)
    .join("");
  return `<ul class="legend">${layers}</ul><ul class="legend">${paths}<li><span aria-hidden="true">○</span> planned (announced)</li></ul>`;
}

/** The focused company's edges, out and in, as a list (the graph's "neighbourhood" panel). */
export function renderNeighbourhood(id, edges, companies, state = {}) {
  if (!id)
    return `<p class="muted">Select a company in the graph (click, or Tab then Enter) to see its neighbourhood.</p>`;
  const names = new Map(companies.map((c) => [c.companyId, c.name]));
  const out = edges.filter((e) => e.customer === id);
  const into = edges.filter((e) => e.supplier === id);
  const item = (e, other) =>
    `<li><span class="chip l-${e.layer}">${e.layer}</span> ${companyLink(other, names.get(other), state)} <span class="muted">weight ${e.weight}, since ${escapeHtml(e.firstSeen)}</span></li>`;
  return (
    `<h3>${companyLink(id, names.get(id), state)}</h3>` +
    `<p><strong>Depends on</strong> (${out.length})</p><ul>${out.map((e) => item(e, e.supplier)).join("") || "<li class=muted>none</li>"}</ul>` +
    `<p><strong>Supplies</strong> (${into.length})</p><ul>${into.map((e) => item(e, e.customer)).join("") || "<li class=muted>none</li>"}</ul>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Company page

function edgeRows(edges, otherOf, names, state) {
  if (edges.length === 0) return `<tr><td colspan="5" class="muted">none</td></tr>`;
  return edges
    .map((e) => {
      const other = otherOf(e);
      return (
        `<tr data-customer="${escapeHtml(e.customer)}" data-supplier="${escapeHtml(e.supplier)}" data-layer="${e.layer}">` +
        `<th scope="row">${companyLink(other, names.get(other), state)}</th><td><span class="chip l-${e.layer}">${e.layer}</span></td>` +
        `<td class="num">${e.weight}</td><td class="num">${formatUsd(e.totalValueUsd)}</td><td>${escapeHtml(e.firstSeen)} · ${e.deals.map(escapeHtml).join(", ")}</td></tr>`
      );
    })
    .join("");
}

function sourcesOf(data) {
  const sources = Array.isArray(data.sources) ? data.sources : [];
  return sources
    .filter((s) => s && typeof s.url === "string" && /^https?:\/\//.test(s.url))
    .map(
      (s) =>
        `<a href="${escapeHtml(s.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(s.publisher ?? s.title ?? new URL(s.url).hostname)}</a>`,
    )
    .join(", ");
}

export function renderCompany(detail, edges, timeline, companies, state = {}) {
  const names = new Map(companies.map((c) => [c.companyId, c.name]));
  const id = detail.companyId;
  const held = LAYERS.map((layer) => {
    const h = detail.layers[layer];
    if (!h) {
      const planned = detail.plannedLayers.includes(layer);
      return `<tr class="${planned ? "planned" : "none"}" data-layer="${layer}"><th scope="row"><span class="chip l-${layer}">${layer}</span></th><td colspan="3">${planned ? "planned (announced)" : '<span class="muted">not held</span>'}</td></tr>`;
    }
    const path = PATHS[h.path] ?? { label: h.path, glyph: "●" };
    return (
      `<tr data-layer="${layer}" data-path="${escapeHtml(h.path)}"><th scope="row"><span class="chip l-${layer}">${layer}</span></th>` +
      `<td><span aria-hidden="true">${path.glyph}</span> ${escapeHtml(path.label)}${h.via ? ` via ${companyLink(h.via, names.get(h.via), state)}` : ""}</td>` +
      `<td class="num">${h.weight}</td><td>${escapeHtml(h.since)}</td></tr>`
    );
  }).join("");
  const controls =
    detail.controls.length === 0
      ? `<li class="muted">none</li>`
      : detail.controls
          .map(
            (c) =>
              `<li data-company="${escapeHtml(c.companyId)}">${companyLink(c.companyId, names.get(c.companyId), state)}: ${c.stake}% since ${escapeHtml(c.since)}</li>`,
          )
          .join("");
  const parent =
    detail.controlledBy !== undefined
      ? `<p>Controlled by ${companyLink(detail.controlledBy, names.get(detail.controlledBy), state)}; ultimate parent ${companyLink(detail.ultimateParent, names.get(detail.ultimateParent), state)}.</p>`
      : "";
  const out = edges.filter((e) => e.customer === id);
  const into = edges.filter((e) => e.supplier === id);
  const edgeHead = (who) =>
    `<thead><tr><th scope="col">${who}</th><th scope="col">Layer</th><th scope="col">Weight</th><th scope="col">Value</th><th scope="col">First seen · deals</th></tr></thead>`;
  const events = timeline.events
    .map((e) => {
      const data = e.data ?? {};
      const partial = typeof data.occurredOn === "string" ? data.occurredOn : undefined;
      const summary =
        typeof data.summary === "string" ? data.summary : typeof data.name === "string" ? data.name : "";
      return (
        `<tr data-type="${escapeHtml(e.type)}"><td>${renderPartialDate(partial, e.effectiveDate)}</td><td>${escapeHtml(e.type)}` +
        `<div class="muted">${escapeHtml(e.streamId)}</div></td><td>${e.status ? `<span class="status s-${escapeHtml(e.status)}">${escapeHtml(e.status)}</span>` : ""}</td>` +
        `<td>${escapeHtml(summary)}</td><td>${sourcesOf(data)}</td></tr>`
      );
    })
    .join("");
  return (
    `<section aria-labelledby="holds"><h2 id="holds">What ${escapeHtml(detail.name)} holds, and how</h2>${parent}` +
    `<table class="holds"><thead><tr><th scope="col">Layer</th><th scope="col">How</th><th scope="col">Weight</th><th scope="col">Since</th></tr></thead><tbody>${held}</tbody></table></section>` +
    `<section aria-labelledby="controls"><h2 id="controls">What it controls</h2><ul class="control-list">${controls}</ul></section>` +
    `<section aria-labelledby="edges-out"><h2 id="edges-out">Depends on (edges out)</h2><table class="edges-out">${edgeHead("Supplier")}<tbody>${edgeRows(out, (e) => e.supplier, names, state)}</tbody></table></section>` +
    `<section aria-labelledby="edges-in"><h2 id="edges-in">Supplies (edges in)</h2><table class="edges-in">${edgeHead("Customer")}<tbody>${edgeRows(into, (e) => e.customer, names, state)}</tbody></table></section>` +
    `<section aria-labelledby="timeline"><h2 id="timeline">Timeline</h2><table class="timeline"><thead><tr><th scope="col">Date</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Summary</th><th scope="col">Sources</th></tr></thead><tbody>${events || '<tr><td colspan="5" class="muted">no events</td></tr>'}</tbody></table></section>`
  );
}
