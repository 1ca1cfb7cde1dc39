// The dashboard's behaviour: time slider, sorting and search, graph focus, the live feed and the append form.
// It reads only the public API (/v1/views/*, /v1/companies/*/timeline, /v1/feed/changes, POST /v1/events)
// and draws with the same renderers as the server (render.js), so a redraw never changes the layout.

import { DEAL_FILTERS, dealsQuery, renderDeal, renderDeals } from "./deals.js";
import {
  escapeHtml,
  renderCompany,
  renderGraph,
  renderMatrix,
  renderNeighbourhood,
  renderRankings,
} from "./render.js";

const boot = JSON.parse(document.getElementById("boot")?.textContent ?? "{}");
document.documentElement.classList.add("js");

const DAY_MS = 86_400_000;
const toDay = (iso) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const toIso = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const $ = (id) => document.getElementById(id);

/** Measurements the browser tests read (and print). */
const metrics = { redraws: [], changes: [], graphInteractiveMs: undefined };
window.stackledgerDashboard = metrics;

// ---------------------------------------------------------------------------------------------------------
// State, kept in the URL so that a view can be shared.

const params = new URL(location.href).searchParams;
const read = (name) => params.get(name) || undefined;
const state = {
  asOf: read("asOf"),
  knownAt: read("knownAt"),
  sort: read("sort"),
  dir: read("dir"),
  q: read("q"),
  company: read("company"),
  layer: read("layer"),
  focus: read("focus"),
};
if (!state.knownAt && read("known") === "then") state.knownAt = knownAtFor(state.asOf ?? "9999-12-31");
/** The deal list's filters (the deals page keeps these in the URL instead of the map's). */
const dealFilters = Object.fromEntries(
  DEAL_FILTERS.filter((key) => read(key)).map((key) => [key, read(key)]),
);
const onDeals = boot.page === "deals" || boot.page === "deal";

function knownAtFor(day) {
  let cursor = "start";
  for (const [recorded, at] of boot.known ?? []) {
    if (recorded > day) break;
    cursor = at;
  }
  return cursor;
}

function syncUrl() {
  const next = new URLSearchParams();
  const shown = onDeals ? { asOf: state.asOf, knownAt: state.knownAt, ...dealFilters } : state;
  for (const [key, value] of Object.entries(shown)) if (value) next.set(key, value);
  const text = next.toString();
  history.replaceState(null, "", `${location.pathname}${text ? `?${text}` : ""}`);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the API

async function getJson(path, signal) {
  const response = await fetch(path, { signal, headers: { accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`${response.status} ${body.title ?? ""}: ${body.detail ?? path}`);
  return body;
}

function viewParams(extra = {}) {
  const query = new URLSearchParams();
  if (state.asOf) query.set("asOf", state.asOf);
  if (state.knownAt) query.set("knownAt", state.knownAt);
  for (const [key, value] of Object.entries(extra)) if (value) query.set(key, value);
  return query;
}

/** A whole list view, following `next`. */
async function getList(path, key, extra = {}) {
  const query = viewParams({ ...extra, limit: "10000" });
  const first = await getJson(`${path}?${query}`);
  const rows = [...first[key]];
  for (let next = first.next; next; ) {
    query.set("after", next);
    const page = await getJson(`${path}?${query}`);
    rows.push(...page[key]);
    next = page.next;
  }
  return { asOf: first.asOf, cursor: first.cursor, rows };
}

// ---------------------------------------------------------------------------------------------------------
// Drawing

const data = {
  companies: boot.data?.companies ?? [],
  rankings: boot.data?.rankings ?? [],
  edges: boot.data?.edges ?? [],
};

/** Replaces a container's markup, keeping keyboard focus on the "same" control (by its data attributes). */
function replace(container, markup) {
  if (!container || container.innerHTML === markup) return;
  const active = container.contains(document.activeElement) ? document.activeElement : null;
  const key = active?.dataset?.sort ?? active?.dataset?.company;
  const attr = active?.dataset?.sort ? "data-sort" : "data-company";
  const tag = active?.tagName.toLowerCase();
  container.innerHTML = markup;
  if (key && tag) container.querySelector(`${tag}[${attr}="${CSS.escape(key)}"]`)?.focus();
}

function drawMatrix() {
  replace($("matrix"), renderMatrix(data.companies, state));
}

function drawGraph() {
  replace($("graph"), renderGraph(data.edges, data.companies, state));
  replace($("neighbourhood"), renderNeighbourhood(state.focus, data.edges, data.companies, state));
  applyFocus();
}

function applyFocus() {
  const svg = $("graph")?.querySelector("svg");
  if (!svg) return;
  const id = state.focus;
  svg.classList.toggle("focused", Boolean(id));
  const near = new Set(id ? [id] : []);
  for (const edge of svg.querySelectorAll(".edge")) {
    const touches = Boolean(id) && (edge.dataset.customer === id || edge.dataset.supplier === id);
    edge.classList.toggle("near", touches);
    if (touches) {
      near.add(edge.dataset.customer);
      near.add(edge.dataset.supplier);
    }
  }
  for (const node of svg.querySelectorAll(".node")) {
    node.classList.toggle("near", near.has(node.dataset.company));
    node.classList.toggle("selected", node.dataset.company === id);
    node.setAttribute("aria-pressed", String(node.dataset.company === id));
  }
}

function showTime(asOf, cursor) {
  $("shown-asof").textContent = asOf;
  $("shown-cursor").textContent = state.knownAt ?? cursor;
  document.body.dataset.asOf = asOf;
  document.body.dataset.cursor = cursor;
}

/** Fetches the views for the current state and redraws; the newest request wins. */
async function redraw(reason) {
  const started = performance.now();
  if (boot.page === "deals") {
    const body = await getJson(`/v1/deals?${dealsQuery(state, dealFilters, { limit: "1000" })}`);
    replace($("deals"), renderDeals(body, state, dealFilters));
    showTime(body.asOf, body.cursor);
  } else if (boot.page === "deal") {
    const body = await getJson(`/v1/deals/${encodeURIComponent(boot.dealId)}?${viewParams()}`);
    replace($("deal"), renderDeal(body, state));
    showTime(body.asOf, body.cursor);
  } else if (boot.page === "company") {
    const id = boot.companyId;
    const [detail, edges, timeline, layers] = await Promise.all([
      getJson(`/v1/views/layers/${id}?${viewParams()}`),
      getList("/v1/views/dependencies", "edges", { company: id }),
      getJson(`/v1/companies/${id}/timeline?${viewParams()}`),
      getList("/v1/views/layers", "companies"),
    ]);
    const company = $("company");
    replace(
      company,
      `<h2 class="company-title">${escapeHtml(detail.name)} <span class="muted">${escapeHtml(id)}</span></h2>${renderCompany(detail, edges.rows, timeline, layers.rows, state)}`,
    );
    showTime(detail.asOf, detail.cursor);
  } else {
    const [layers, rankings, edges] = await Promise.all([
      getList("/v1/views/layers", "companies"),
      getList("/v1/views/rankings", "rankings"),
      getList("/v1/views/dependencies", "edges", { company: state.company, layer: state.layer }),
    ]);
    data.companies = layers.rows;
    data.rankings = rankings.rows;
    data.edges = edges.rows;
    drawMatrix();
    replace($("rankings"), renderRankings(data.rankings, state));
    drawGraph();
    showTime(layers.asOf, layers.cursor);
  }
  const ms = performance.now() - started;
  metrics.redraws.push({ reason, asOf: document.body.dataset.asOf, ms, at: Date.now() });
  document.body.dataset.redraws = String(metrics.redraws.length);
}

let wanted = 0;
let running = false;
/** At most one redraw in flight; moves made meanwhile coalesce into one more. */
function requestRedraw(reason) {
  wanted += 1;
  if (running) return;
  running = true;
  (async () => {
    while (wanted > 0) {
      wanted = 0;
      try {
        await redraw(reason);
        if (feedState === "behind-views") setBadge("connected");
      } catch (error) {
        setBadge("behind");
        feedState = "behind-views";
        console.warn("stackledger: redraw failed", error);
      }
    }
    running = false;
  })();
}

// ---------------------------------------------------------------------------------------------------------
// Time controls

const range = $("asOf-range");
const dateInput = $("asOf");
const known = $("known");

function setAsOf(iso, { fromSlider = false } = {}) {
  state.asOf = iso && iso !== boot.today ? iso : undefined;
  const shown = state.asOf ?? boot.today;
  if (!fromSlider) range.value = String(toDay(shown));
  range.setAttribute("aria-valuetext", shown);
  dateInput.value = shown;
  if (known.checked) state.knownAt = knownAtFor(shown);
  syncUrl();
  requestRedraw("time");
}

if (range) {
  range.disabled = false;
  range.addEventListener("input", () => setAsOf(toIso(Number(range.value)), { fromSlider: true }));
  dateInput.addEventListener("change", () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) setAsOf(dateInput.value);
  });
  $("today-button").addEventListener("click", () => setAsOf(undefined));
  known.addEventListener("change", () => {
    state.knownAt = known.checked ? knownAtFor(state.asOf ?? boot.today) : undefined;
    syncUrl();
    requestRedraw("known");
  });
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    setAsOf(dateInput.value || undefined);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Matrix: sort and search; graph: filters and neighbourhood

$("matrix")?.addEventListener("click", (event) => {
  const button = event.target.closest("button.sort");
  if (!button) return;
  const key = button.dataset.sort;
  const current = state.sort ?? "layers";
  const currentDir = state.dir ?? (current === "name" ? "asc" : "desc");
  if (key === current) state.dir = currentDir === "asc" ? "desc" : "asc";
  else state.dir = key === "name" ? "asc" : "desc";
  state.sort = key;
  syncUrl();
  drawMatrix();
});

$("search")?.addEventListener("input", (event) => {
  state.q = event.target.value || undefined;
  syncUrl();
  drawMatrix();
});

for (const [id, key] of [
  ["graph-company", "company"],
  ["graph-layer", "layer"],
]) {
  $(id)?.addEventListener("change", (event) => {
    state[key] = event.target.value || undefined;
    syncUrl();
    requestRedraw("filter");
  });
}

function focusCompany(id) {
  state.focus = state.focus === id ? undefined : id;
  syncUrl();
  replace($("neighbourhood"), renderNeighbourhood(state.focus, data.edges, data.companies, state));
  applyFocus();
}

const graph = $("graph");
graph?.addEventListener("click", (event) => {
  const node = event.target.closest(".node");
  if (node) focusCompany(node.dataset.company);
});
graph?.addEventListener("keydown", (event) => {
  const node = event.target.closest(".node");
  if (node && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    focusCompany(node.dataset.company);
  } else if (event.key === "Escape" && state.focus) focusCompany(state.focus);
});

// ---------------------------------------------------------------------------------------------------------
// Deals: search as you type, filters, sortable columns

let searchTimer;
$("deal-q")?.addEventListener("input", (event) => {
  dealFilters.q = event.target.value.trim() || undefined;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    syncUrl();
    requestRedraw("search");
  }, 200);
});
for (const key of ["type", "status", "layer", "company", "from", "to", "minValueUsd"]) {
  $(`deal-${key}`)?.addEventListener("change", (event) => {
    if (event.target.validity && !event.target.validity.valid) return;
    dealFilters[key] = event.target.value.trim() || undefined;
    syncUrl();
    requestRedraw("filter");
  });
}
$("deals")?.addEventListener("click", (event) => {
  const link = event.target.closest("a.sort");
  if (!link) return;
  event.preventDefault();
  dealFilters.sort = link.dataset.sort === "-openedOn" ? undefined : link.dataset.sort;
  syncUrl();
  requestRedraw("sort");
});

// ---------------------------------------------------------------------------------------------------------
// Live: the change feed

const badge = $("badge");
let feedState = "offline";
function setBadge(next) {
  feedState = next;
  const shown = next === "behind-views" ? "behind" : next;
  badge.dataset.state = shown;
  badge.textContent = shown;
  badge.title =
    shown === "behind"
      ? "connected, catching up (or the last redraw failed)"
      : shown === "reconnecting"
        ? "the server is unreachable; resuming from the last change seen"
        : shown;
}

const ticker = $("ticker");
function addToTicker(change) {
  ticker.querySelector(".placeholder")?.remove();
  const items = change.changes.map((item) => {
    const li = document.createElement("li");
    li.className = "fresh";
    li.dataset.kind = item.kind;
    const time = document.createElement("time");
    time.textContent = new Date().toLocaleTimeString([], { hour12: false });
    // Deal news links to the deal's page.
    const text = document.createElement(item.dealId ? "a" : "span");
    text.className = "description";
    text.textContent = item.description;
    if (item.dealId) text.href = `/deals/${encodeURIComponent(item.dealId)}`;
    const from = document.createElement("span");
    from.className = "muted";
    from.textContent = ` · ${change.projection}`;
    li.append(time, text, from);
    return li;
  });
  ticker.prepend(...items.reverse());
  while (ticker.children.length > 50) ticker.lastElementChild.remove();
  const shownAt = Date.now();
  for (const item of change.changes) metrics.changes.push({ description: item.description, shownAt });
}

let lastEventId;
function connect() {
  const after = lastEventId ?? "now";
  const source = new EventSource(`/v1/feed/changes?after=${encodeURIComponent(after)}`);
  setBadge(lastEventId ? "reconnecting" : "behind");
  source.addEventListener("open", () => setBadge("behind"));
  source.addEventListener("caught-up", (message) => {
    lastEventId = message.lastEventId || lastEventId;
    setBadge("connected");
    // Whatever changed between the page's render (or the outage) and now: draw it once.
    requestRedraw("caught-up");
  });
  source.addEventListener("bookmark", (message) => {
    lastEventId = message.lastEventId || lastEventId;
  });
  source.addEventListener("change", (message) => {
    lastEventId = message.lastEventId || lastEventId;
    const change = JSON.parse(message.data);
    addToTicker(change);
    if (boot.known && change.cursor && boot.known.at(-1)?.[1] !== change.cursor) {
      boot.known.push([boot.today, change.cursor]);
    }
    requestRedraw("live");
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (an HTTP error while the server restarts): resume by hand.
      setBadge("reconnecting");
      setTimeout(connect, 2000);
    } else setBadge("reconnecting");
  });
}
connect();

// ---------------------------------------------------------------------------------------------------------
// Append form

const appendForm = $("append-form");
const appendErrors = $("append-errors");
const bodyInput = $("append-body");
const tokenInput = $("append-token");

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = String(text);
  return span.innerHTML;
}

function showAppendResult(kind, title, errors = []) {
  const list = errors.length
    ? `<ul>${errors.map((e) => `<li><code>${escapeText(e.path || "(body)")}</code>: ${escapeText(e.message)}</li>`).join("")}</ul>`
    : "";
  appendErrors.innerHTML = `<p class="${kind}">${escapeText(title)}</p>${list}`;
}

appendForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  bodyInput.removeAttribute("aria-invalid");
  tokenInput.removeAttribute("aria-invalid");
  let body;
  try {
    body = JSON.parse(bodyInput.value);
  } catch (error) {
    bodyInput.setAttribute("aria-invalid", "true");
    showAppendResult("bad", "Not JSON", [{ path: "(body)", message: error.message }]);
    return;
  }
  const token = tokenInput.value.trim();
  if (!token) {
    tokenInput.setAttribute("aria-invalid", "true");
    showAppendResult("bad", "A token with the append scope is needed");
    tokenInput.focus();
    return;
  }
  const response = await fetch("/v1/events", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).catch((error) => ({ ok: false, status: 0, json: async () => ({ title: error.message }) }));
  const result = await response.json().catch(() => ({}));
  if (response.ok) {
    const count = result.events?.length ?? 0;
    showAppendResult(
      "good",
      `Appended ${count} event${count === 1 ? "" : "s"} (${response.status}); cursor ${result.cursor}`,
    );
    return;
  }
  if (response.status === 401 || response.status === 403) tokenInput.setAttribute("aria-invalid", "true");
  else bodyInput.setAttribute("aria-invalid", "true");
  const title = `${response.status} ${result.title ?? "Error"}${result.detail ? `: ${result.detail}` : ""}`;
  showAppendResult("bad", title, Array.isArray(result.errors) ? result.errors : []);
});

applyFocus();
metrics.graphInteractiveMs = performance.now();
performance.mark("graph-interactive");
document.body.dataset.ready = "true";
