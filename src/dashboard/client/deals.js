// Pure HTML renderers of the deal pages, shared by the server (first paint) and the browser (redraws), like
// render.js. No DOM, no Node API. Types in deals.d.ts; shapes are those of GET /v1/deals (shared/api.md).
import { escapeHtml, formatUsd, timeQuery } from "./render.js";

export const DEAL_TYPES = [
  "FundingRoundReported",
  "AcquisitionReported",
  "StakeChangeReported",
  "PartnershipReported",
  "ComputeDealReported",
  "SupplyDealReported",
  "LicenseDealReported",
  "ChipLaunchReported",
  "ModelReleaseReported",
  "ProductLaunchReported",
  "GovernanceEventReported",
];
export const DEAL_STATUSES = [
  "rumored",
  "reported",
  "announced",
  "completed",
  "cancelled",
  "blocked",
  "retracted",
];
export const DEAL_LAYERS = ["capital", "hardware", "compute", "model", "application", "energy"];
/** The list's filters, in the order of the form and of the URL. */
export const DEAL_FILTERS = ["q", "type", "status", "layer", "company", "from", "to", "minValueUsd", "sort"];

/** "ComputeDealReported" → "compute deal". */
export function typeLabel(type) {
  return String(type)
    .replace(/Reported$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
}

/** The API query of the list as shown: time state plus filters (and `format=csv` for the download). */
export function dealsQuery(state, filters, extra = {}) {
  const params = new URLSearchParams();
  if (state.asOf) params.set("asOf", state.asOf);
  if (state.knownAt) params.set("knownAt", state.knownAt);
  for (const key of DEAL_FILTERS) if (filters[key]) params.set(key, filters[key]);
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  return params.toString();
}

function statusBadge(status) {
  if (!status) return `<span class="status s-none">no status yet</span>`;
  return `<span class="status s-${escapeHtml(status)}" data-status="${escapeHtml(status)}">${escapeHtml(status)}</span>`;
}

function companyLink(party, state) {
  return `<a href="/companies/${encodeURIComponent(party.companyId)}${escapeHtml(timeQuery(state))}">${escapeHtml(party.name ?? party.companyId)}</a>`;
}

function dealLink(deal, state, text) {
  return `<a href="/deals/${encodeURIComponent(deal.dealId)}${escapeHtml(timeQuery(state))}">${escapeHtml(text)}</a>`;
}

const SORTABLE = [
  ["dealId", "Deal", "dealId", "dealId"],
  ["openedOn", "Opened", "-openedOn", "openedOn"],
  ["valueUsd", "Value", "-valueUsd", "valueUsd"],
];

/** A column header that sorts: first click the natural direction, a second click the other. */
function sortHeader([column, label, first, second], state, filters) {
  const current = filters.sort ?? "-openedOn";
  const active = current === first || current === second;
  const next = current === first ? second : first;
  const aria = active ? ` aria-sort="${current.startsWith("-") ? "descending" : "ascending"}"` : "";
  const href = `/deals?${dealsQuery(state, { ...filters, sort: next === "-openedOn" ? undefined : next })}`;
  const arrow = active ? (current.startsWith("-") ? " ▼" : " ▲") : "";
  return `<th scope="col" data-column="${column}"${aria}><a class="sort" data-sort="${next}" href="${escapeHtml(href)}">${label}${arrow}</a></th>`;
}

/** The deal list: one row per deal, sortable headers, and the CSV link for exactly this list. */
export function renderDeals(body, state = {}, filters = {}) {
  const [idHead, openedHead, valueHead] = SORTABLE.map((column) => sortHeader(column, state, filters));
  const rows = body.deals
    .map((deal) => {
      const parties = deal.parties.map(
        (p) => `${companyLink(p, state)} <span class="muted">${escapeHtml(p.role)}</span>`,
      );
      return (
        `<tr data-deal="${escapeHtml(deal.dealId)}" data-status="${escapeHtml(deal.status)}" class="${deal.retracted ? "retracted" : ""}">` +
        `<td>${dealLink(deal, state, deal.dealId)}${deal.summary ? `<div class="muted summary">${escapeHtml(deal.summary)}</div>` : ""}</td>` +
        `<td>${escapeHtml(typeLabel(deal.type))}</td><td>${statusBadge(deal.status)}</td>` +
        `<td><time datetime="${escapeHtml(deal.openedOn)}">${escapeHtml(deal.openedOn)}</time>${deal.endedOn ? `<div class="muted">ended ${escapeHtml(deal.endedOn)}</div>` : ""}</td>` +
        `<td>${parties.join(", ")}</td><td>${deal.layer ? `<span class="chip l-${escapeHtml(deal.layer)}">${escapeHtml(deal.layer)}</span>` : ""}</td>` +
        `<td class="num" data-value="${deal.valueUsd ?? ""}">${deal.valueUsd === null ? '<span class="muted">n/a</span>' : formatUsd(deal.valueUsd)}</td></tr>`
      );
    })
    .join("");
  const csv = `/v1/deals?${dealsQuery(state, filters, { format: "csv" })}`;
  const more = body.next
    ? `<p class="muted">More deals match than are shown here; the CSV holds every one of them.</p>`
    : "";
  return (
    `<p class="deal-count"><span id="deal-count">${body.deals.length}</span> deal${body.deals.length === 1 ? "" : "s"} · ` +
    `<a id="deals-csv" href="${escapeHtml(csv)}" download>Download CSV</a></p>${more}` +
    `<table class="deals"><thead><tr>${idHead}<th scope="col">Type</th><th scope="col">Status</th>${openedHead}<th scope="col">Parties</th><th scope="col">Layer</th>${valueHead}</tr></thead>` +
    `<tbody>${rows || '<tr><td colspan="7" class="muted">No deal matches.</td></tr>'}</tbody></table>`
  );
}

function isMoney(value) {
  return value !== null && typeof value === "object" && typeof value.usd === "number";
}

/** A field's value for people: money as $1.2B (per month/year said), lists joined, objects as JSON. */
export function formatValue(value) {
  if (value === undefined) return '<span class="muted">(none)</span>';
  if (isMoney(value)) {
    const per = value.per && value.per !== "total" ? ` per ${value.per}` : "";
    return `${formatUsd(value.usd)}${per}${value.estimated ? " (estimated)" : ""}`;
  }
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) return escapeHtml(value.join(", "));
  if (value !== null && typeof value === "object") return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  return escapeHtml(value);
}

function sourceItem(source) {
  const label = source.title ?? source.url;
  const text = source.url
    ? `<a href="${escapeHtml(source.url)}" rel="noopener noreferrer">${escapeHtml(label)}</a>`
    : escapeHtml(label);
  const meta = [source.publisher, source.publishedOn].filter(Boolean).map(escapeHtml).join(", ");
  return `<li>${text}${meta ? ` <span class="muted">${meta}</span>` : ""}${source.quote ? `<blockquote>${escapeHtml(source.quote)}</blockquote>` : ""}</li>`;
}

/** What one history entry says; corrections show each changed field's old and new value. */
function historyText(entry, before) {
  const data = entry.data ?? {};
  switch (entry.type) {
    case "DealStatusChanged":
      return `Status changed to ${statusBadge(data.status)}`;
    case "DealAmended":
      return `Amended: ${Object.entries(data.changes ?? {})
        .map(([key, value]) => `<span class="field">${escapeHtml(key)}</span> → ${formatValue(value)}`)
        .join("; ")}`;
    case "DealEnded":
      return "Ended";
    case "DealRetracted":
      return `<strong class="retraction-label">Retracted</strong>: the report was false; the deal counts for nothing.`;
    case "DealCorrected": {
      const changes = Object.entries(data.changes ?? {})
        .map(
          ([key, value]) =>
            `<li><span class="field">${escapeHtml(key)}</span>: <del>${formatValue(before?.[key])}</del> → <ins>${formatValue(value)}</ins></li>`,
        )
        .join("");
      return `Correction of our record (as if it had always been so):<ul class="corrections">${changes}</ul>`;
    }
    default:
      return `Reported as ${statusBadge(data.status)}${data.summary ? `: ${escapeHtml(data.summary)}` : ""}`;
  }
}

/** The deal page: header, parties, fields, sources and the history as a timeline. */
export function renderDeal(body, state = {}) {
  const deal = body.deal;
  // Each correction's "before" is the corrected event as it stood just before it, in log order.
  const current = new Map(body.history.map((e) => [e.id, { ...(e.data ?? {}) }]));
  const before = new Map();
  for (const entry of [...body.history].sort((a, b) => (a.position < b.position ? -1 : 1))) {
    if (entry.type !== "DealCorrected") continue;
    const target = current.get(entry.data.correctsEventId);
    before.set(entry.id, { ...(target ?? {}) });
    if (target) Object.assign(target, entry.data.changes ?? {});
  }
  const parties = deal.parties
    .map(
      (p) =>
        `<li data-company="${escapeHtml(p.companyId)}"><span class="muted">${escapeHtml(p.role)}</span> ${companyLink(p, state)}</li>`,
    )
    .join("");
  const fields = Object.entries(deal.fields)
    .map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${formatValue(value)}</td></tr>`)
    .join("");
  const history = body.history
    .map((entry) => {
      const classes = [
        "history-entry",
        entry.type === "DealRetracted" ? "retraction" : "",
        entry.type === "DealCorrected" ? "correction" : "",
        entry.inForce ? "" : "not-in-force",
      ]
        .filter(Boolean)
        .join(" ");
      const corrected =
        entry.correctedBy.length > 0 ? ` <span class="muted">(corrected later in our record)</span>` : "";
      const notYet = entry.inForce
        ? ""
        : ` <span class="muted">(takes effect after ${escapeHtml(body.asOf)})</span>`;
      const sources = (entry.data?.sources ?? [])
        .filter((s) => s.url)
        .map((s) => `<a href="${escapeHtml(s.url)}" rel="noopener noreferrer">source</a>`)
        .join(" ");
      return (
        `<li class="${classes}" data-type="${escapeHtml(entry.type)}" data-in-force="${entry.inForce}">` +
        `<time datetime="${escapeHtml(entry.effectiveDate)}">${escapeHtml(entry.effectiveDate)}</time> ` +
        `<span class="event-type">${escapeHtml(entry.type)}</span>${notYet}${corrected}` +
        `<div>${historyText(entry, before.get(entry.id))}</div>${sources ? `<div class="muted">${sources}</div>` : ""}` +
        `<div class="muted recorded">recorded ${escapeHtml(entry.recordedAt)}</div></li>`
      );
    })
    .join("");
  const retracted = deal.retracted
    ? `<p class="retracted-banner" role="alert"><strong>Retracted.</strong> This deal was reported, then retracted: the report was false and the deal counts for nothing in the views.</p>`
    : "";
  const facts = [
    ["Type", escapeHtml(typeLabel(deal.type))],
    [
      "Status",
      `${statusBadge(deal.status)}${deal.statusSince ? ` since ${escapeHtml(deal.statusSince)}` : ""}`,
    ],
    ["Opened", escapeHtml(deal.openedOn)],
    ...(deal.endedOn ? [["Ended", escapeHtml(deal.endedOn)]] : []),
    [
      "Layer",
      deal.layer ? `<span class="chip l-${escapeHtml(deal.layer)}">${escapeHtml(deal.layer)}</span>` : "n/a",
    ],
    ["Value", deal.valueUsd === null ? "n/a" : `<span class="value">${formatUsd(deal.valueUsd)}</span>`],
    ...(deal.confidence !== undefined ? [["Confidence", escapeHtml(deal.confidence)]] : []),
    ["Events", `${deal.events}, the latest recorded ${escapeHtml(deal.lastRecordedAt)}`],
  ]
    .map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`)
    .join("");
  return (
    `<h2 class="deal-title">${escapeHtml(deal.dealId)} ${statusBadge(deal.status)}</h2>${retracted}` +
    (deal.summary ? `<p class="summary">${escapeHtml(deal.summary)}</p>` : "") +
    `<dl class="deal-facts">${facts}</dl>` +
    `<section aria-labelledby="parties-title"><h2 id="parties-title">Parties</h2><ul class="parties">${parties}</ul></section>` +
    `<section aria-labelledby="fields-title"><h2 id="fields-title">Terms at ${escapeHtml(body.asOf)}</h2><table class="fields"><tbody>${fields}</tbody></table></section>` +
    `<section aria-labelledby="sources-title"><h2 id="sources-title">Sources</h2><ul class="sources">${deal.sources.map(sourceItem).join("")}</ul></section>` +
    `<section aria-labelledby="history-title"><h2 id="history-title">History</h2><ol class="history">${history}</ol></section>`
  );
}

/** The filter form of the list (its inputs belong to the page's time form, so one URL holds everything). */
export function renderDealFilters(filters = {}) {
  const options = (values, selected, all, label = (v) => v) =>
    `<option value="">${all}</option>${values
      .map((v) => `<option value="${v}" ${v === selected ? "selected" : ""}>${escapeHtml(label(v))}</option>`)
      .join("")}`;
  const input = (name, label, type, extra = "") =>
    `<label>${label} <input id="deal-${name}" name="${name}" type="${type}" form="controls" value="${escapeHtml(filters[name] ?? "")}" ${extra}></label>`;
  return (
    `<label class="search"><span class="sr-only">Search deals</span><input id="deal-q" type="search" name="q" form="controls" placeholder="Search deals, parties, products, sources" value="${escapeHtml(filters.q ?? "")}"></label>` +
    `<div class="filters">` +
    `<label>Type <select id="deal-type" name="type" form="controls">${options(DEAL_TYPES, filters.type, "all types", typeLabel)}</select></label>` +
    `<label>Status <select id="deal-status" name="status" form="controls">${options(DEAL_STATUSES, filters.status, "all but retracted")}</select></label>` +
    `<label>Layer <select id="deal-layer" name="layer" form="controls">${options(DEAL_LAYERS, filters.layer, "all layers")}</select></label>` +
    input(
      "company",
      "Company",
      "text",
      'placeholder="company id" pattern="[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*)*"',
    ) +
    input("from", "From", "text", 'placeholder="2025 or 2025-Q1" size="10"') +
    input("to", "To", "text", 'placeholder="2025-12" size="10"') +
    input("minValueUsd", "Min. value (USD)", "number", 'min="0" step="any"') +
    `<input type="hidden" name="sort" form="controls" value="${escapeHtml(filters.sort ?? "")}">` +
    `<button type="submit" form="controls" class="no-js">Filter</button></div>`
  );
}
