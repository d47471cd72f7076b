// The network-upload screen (issue 14): choose a GIS export, review how its layers and columns
// are read (the mapping: given, remembered from the last version, or guessed), correct it,
// and upload; the service keeps the mapping for the next version (docs/console.md).
import { api, upload } from "./api.js";
import { code, escapeHtml, shortTime, t } from "./i18n.js";

const $ = (sel, root = document) => root.querySelector(sel);
const LAYERS = ["nodes", "pipes", "valves", "customers", "dmas"];
// links the topology builds from the geometry when the export has none: offered, not needed
const LINKS = new Set(["from_node", "to_node", "pipe_id", "node_id"]);
const view = { inspected: null, busy: null, result: null, edited: false };

export function wireNetworks(busy) {
  view.busy = busy;
  $("#net-form").addEventListener("submit", (e) => { e.preventDefault(); check(null); });
}

export async function loadNetworks() {
  const rows = await api("GET", "/api/networks").catch(() => null);
  if (!rows) return;
  $("#net-list").innerHTML = rows.length ? `<table class="data" id="net-table"><thead><tr>
      <th>#</th><th>${t("net_name")}</th><th class="num">${t("net_version")}</th><th>${t("status")}</th>
      <th>${t("net_mapping")}</th><th>${t("net_uploaded_at")}</th></tr></thead><tbody>
    ${rows.slice().reverse().map((r) => `<tr data-network="${escapeHtml(r.id)}"><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.name)}</td>
      <td class="num">${escapeHtml(r.version)}</td><td><span class="badge ${r.status === "ready" ? "ok" : ""}">${escapeHtml(code("netstatus", r.status))}</span></td>
      <td>${r.mapping ? t("yes") : t("no")}</td><td>${escapeHtml(shortTime(r.created_at))} · ${escapeHtml(r.created_by)}</td></tr>`).join("")}</tbody></table>` : `<p class="muted">${t("net_none_yet")}</p>`;
}

export function rerenderNetworks() {
  if (view.inspected) renderReview(view.inspected);
  if (view.result) renderResult(view.result);
  if ($("#net-list").innerHTML) loadNetworks();
}

function form(mapping) {
  const f = $("#net-form");
  const data = new FormData();
  data.append("file", f.file.files[0]);
  data.append("name", f.name.value.trim() || "network");
  if (f.crs.value.trim()) data.append("crs", f.crs.value.trim());
  if (mapping) data.append("mapping", JSON.stringify(mapping));
  return data;
}

async function check(mapping) {
  if (!$("#net-form").file.files.length) return;
  view.result = null;
  $("#net-result").innerHTML = "";
  const body = await view.busy(() => upload("/api/networks/inspect", form(mapping)));
  if (!body) return;
  view.inspected = body;
  view.edited = false;
  renderReview(body);
}

async function send() {
  // the mapping as reviewed; none when it is the one kept with the last version, unchanged:
  // the service reads with that one and says so
  const kept = view.inspected?.mapping_from?.version && !view.edited;
  const mapping = view.inspected?.mapping && !kept ? collect() : null;
  let body;
  try {
    body = await view.busy(() => upload("/api/networks", form(mapping)).catch((err) => {
      if (err.status === 422 && err.body && err.body.report) return err.body; // stored as invalid
      throw err;
    }));
  } finally { loadNetworks(); }
  if (!body) return;
  view.result = body;
  renderResult(body);
}

function from(body) {
  const source = body.mapping_from;
  if (!body.mapping) return t("net_read_contract");
  if (source === "given") return t("net_from_given");
  if (source && source.version) return t("net_from_version", { version: source.version, id: source.network });
  return t("net_from_guess");
}

function renderReview(body) {
  const layers = body.layers || {};
  const names = Object.keys(layers);
  const mapping = body.mapping || {};
  const contract = body.contract;
  const sections = body.mapping ? LAYERS.map((layer) => {
    const rule = mapping[layer] || {};
    const chosen = rule.layer || (names.includes(layer) ? layer : "");
    const columns = chosen && layers[chosen] ? layers[chosen].columns : {};
    const rows = contract.columns[layer].map((column) => columnRow(layer, column, rule[column], columns, contract)).join("");
    return `<fieldset class="card net-layer" data-layer="${layer}">
      <legend><strong>${escapeHtml(t(`net_layer_${layer}`))}</strong> ← <select name="layer" aria-label="${escapeHtml(t("net_export_layer"))}">
        <option value="">${t("net_not_in_export")}</option>
        ${names.map((n) => `<option value="${escapeHtml(n)}" ${n === chosen ? "selected" : ""}>${escapeHtml(n)} (${escapeHtml(t("net_rows", { n: layers[n].rows }))})</option>`).join("")}
      </select>${rule.layer_guessed ? ` <span class="badge provisional">${t("net_guessed")}</span>` : ""}</legend>
      ${chosen ? `<table class="data net-columns"><thead><tr><th>${t("net_contract_column")}</th><th>${t("net_export_column")}</th><th>${t("net_unit")}</th><th>${t("net_values")}</th></tr></thead><tbody>${rows}</tbody></table>` : ""}
    </fieldset>`;
  }).join("") : `<p class="muted">${t("net_read_contract")}</p>`;
  $("#net-review").innerHTML = `
    <div class="summary" id="net-summary">
      <div>${escapeHtml(body.filename)} · ${escapeHtml(from(body))}</div>
      ${topology(body.topology)}
      <div>${body.report.ok ? `<span class="ok">${t("net_would_pass")}</span>` : `<span class="error">${t("net_would_fail", { n: body.report.errors })}</span>`}</div>
    </div>
    ${sections}
    ${report(body.report)}
    <div class="row needs-engineer">
      ${body.mapping ? `<button type="button" id="net-recheck">${t("net_recheck")}</button>` : ""}
      <button type="button" id="net-upload" class="primary">${t("net_upload")}</button>
    </div>`;
  for (const select of document.querySelectorAll("#net-review select[name=layer]")) {
    select.addEventListener("change", () => {
      // another layer of the export: its columns are offered (the review is redrawn from the
      // mapping as it now stands, guesses kept where the column names still fit)
      const edited = collect();
      const layer = select.closest("[data-layer]").dataset.layer;
      edited[layer] = select.value ? { layer: select.value } : {};
      renderReview({ ...view.inspected, mapping: { ...view.inspected.mapping, ...edited } });
    });
  }
  for (const el of document.querySelectorAll("#net-review select, #net-review textarea")) {
    el.addEventListener("change", () => { view.edited = true; });
  }
  $("#net-recheck")?.addEventListener("click", () => check(collect()));
  $("#net-upload").addEventListener("click", send);
}

function columnRow(layer, column, rule, columns, contract) {
  const spec = typeof rule === "string" ? { column: rule } : (rule || {});
  const units = contract.units[column];
  const targets = contract.values[`${layer}.${column}`];
  const source = spec.column || (column in columns ? column : "");
  const known = source && columns[source];
  const values = spec.values || {};
  const lines = Object.entries(values).map(([k, v]) => `${k} = ${v}`).join("\n");
  const seen = known ? known.values.filter((v) => !(v in values)) : [];
  return `<tr data-column="${column}">
    <td><code>${escapeHtml(column)}</code>${LINKS.has(column) ? ` <span class="muted">${t("net_built")}</span>` : ""}
      ${spec.guessed ? ` <span class="badge provisional" title="${escapeHtml(spec.why || "")}">${t("net_guessed")}</span>` : ""}</td>
    <td><select name="column" aria-label="${escapeHtml(column)}"><option value="">—</option>
      ${Object.keys(columns).map((c) => `<option value="${escapeHtml(c)}" ${c === source ? "selected" : ""}>${escapeHtml(c)}${columns[c].values.length ? ` (${escapeHtml(columns[c].values.slice(0, 3).join(", "))}${columns[c].distinct > 3 ? "…" : ""})` : ""}</option>`).join("")}
    </select></td>
    <td>${units ? `<select name="unit" aria-label="${escapeHtml(t("net_unit"))}">${units.map((u) => `<option value="${u}" ${u === (spec.unit || units[0]) ? "selected" : ""}>${u}</option>`).join("")}</select>` : ""}</td>
    <td>${targets ? `<textarea name="values" rows="${Math.max(2, Object.keys(values).length + 1)}" placeholder="${escapeHtml(t("net_values_help", { to: targets.join(" / ") }))}">${escapeHtml(lines)}</textarea>
      ${seen.length ? `<div class="muted net-unmapped">${t("net_unmapped")}: ${seen.map(escapeHtml).join(", ")}</div>` : ""}` : ""}</td>
  </tr>`;
}

// the mapping as the review shows it now (the JSON form the API takes)
function collect() {
  const out = {};
  const before = view.inspected?.mapping || {};
  for (const set of document.querySelectorAll("#net-review [data-layer]")) {
    const layer = set.dataset.layer;
    const chosen = $("select[name=layer]", set).value;
    if (!chosen) continue;
    const rule = { layer: chosen };
    for (const row of set.querySelectorAll("tr[data-column]")) {
      const column = $("select[name=column]", row).value;
      if (!column) continue;
      const spec = { column };
      const unit = $("select[name=unit]", row);
      if (unit) spec.unit = unit.value;
      const text = $("textarea[name=values]", row);
      if (text && text.value.trim()) {
        spec.values = {};
        for (const line of text.value.split("\n")) {
          const at = line.lastIndexOf("=");
          if (at > 0) spec.values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
        }
      }
      rule[row.dataset.column] = Object.keys(spec).length === 1 ? column : spec;
    }
    out[layer] = rule;
  }
  if (before.topology) out.topology = before.topology;
  return out;
}

function topology(topo) {
  if (!topo) return "";
  const parts = [];
  if (topo.nodes) parts.push(t("net_topo_nodes", { ends: topo.nodes.ends, layer: topo.nodes.layer_nodes, made: topo.nodes.new_nodes, moved: topo.nodes.largest_move_m }));
  for (const layer of ["valves", "customers"]) {
    const s = topo[layer];
    if (s) parts.push(t(`net_topo_${layer}`, { n: s.snapped, far: s.largest_m ?? 0, lost: s.not_placed.length }));
  }
  return parts.map((p) => `<div class="net-topology">${escapeHtml(p)}</div>`).join("");
}

function report(rep) {
  if (!rep.problems.length) return `<p class="ok">${t("net_no_problems")}</p>`;
  return `<details class="card" ${rep.ok ? "" : "open"}><summary>${t("net_problems", { errors: rep.errors, warnings: rep.warnings })}</summary>
    <table class="data" id="net-problems"><thead><tr><th>${t("net_level")}</th><th>${t("net_where")}</th><th>${t("net_problem")}</th><th>${t("net_fix")}</th></tr></thead><tbody>
    ${rep.problems.map((p) => `<tr class="${p.severity}"><td><span class="badge ${p.severity === "error" ? "late" : "provisional"}">${escapeHtml(code("level", p.severity))}</span></td>
      <td>${escapeHtml(p.layer)} ${escapeHtml(p.id || "")}</td><td>${escapeHtml(p.message)}</td><td class="muted">${escapeHtml(p.fix)}</td></tr>`).join("")}</tbody></table></details>`;
}

function renderResult(body) {
  const ok = body.report && body.report.ok;
  $("#net-result").innerHTML = `<div class="summary" id="net-uploaded">
    ${ok ? `<div class="ok">${t("net_stored", { name: body.name, version: body.version, id: body.id })}</div>` : `<div class="error">${t("net_refused", { name: body.name, version: body.version, n: body.report.errors })}</div>`}
    <div>${escapeHtml(from(body))}</div>
    ${ok && body.mapping ? `<div>${t("net_mapping_kept", { name: body.name })}</div>` : ""}
    ${body.note ? `<div class="warn">${escapeHtml(body.note)}</div>` : ""}
  </div>${ok ? "" : report(body.report)}`;
  if (ok) { view.inspected = null; $("#net-review").innerHTML = ""; }
}
