// The isolation tab (关阀分析): the valves to close for a break, what is cut off, and what if
// a valve does not close (the what-if set of valves taken as inoperable). With "hydraulic"
// ticked, also EPANET's answer at the hour (issue 17): who falls below the service pressure
// beyond those cut off, the demand not served, and the reduced-pressure area on the map.
/* global L */
import { api } from "../api.js";
import { escapeHtml, message, t } from "../i18n.js";
import { COLOURS, hatchDefs, numberedIcon } from "../map.js";
import { draftFromIsolation } from "./notices.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";

let whatif = new Set(); // valves taken as inoperable
let lastQuery = null; // the last isolation asked for: { pipe } or { at }
let lastIsolation = null; // the isolation drawn: asked for here, or a repair ticket's
const closeMarkers = new Map(); // the numbered markers of the valves to close, by valve id

export const isolationTab = {
  rerender() {
    renderWhatif();
    if (lastIsolation) renderIsolation(lastIsolation);
  },
};

// the what-if set is exactly these valves (the valve tab isolates a valve's worst break)
export function setWhatif(valves) {
  whatif = new Set(valves);
  renderWhatif();
}

// a repair ticket's isolation, on the map (and in this tab when the language changes)
export function showTicketIsolation(plan) {
  lastIsolation = plan;
  drawIsolation(plan);
}

export function wireIsolation() {
  $("#iso-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const pipe = e.target.pipe.value.trim();
    if (pipe) isolate({ pipe });
  });
  // ticking or unticking "hydraulic", or another hour or window, asks the last break again
  for (const name of ["hydraulic", "hour", "hours"]) {
    $("#iso-form")[name]?.addEventListener("change", () => { if (lastQuery) isolate(lastQuery); });
  }
  $("#whatif-clear").addEventListener("click", () => {
    whatif.clear();
    if (lastQuery) isolate(lastQuery);
    renderWhatif();
  });
  renderWhatif();
}

function renderWhatif() {
  $("#whatif").textContent = whatif.size ? [...whatif].join(", ") : t("none");
}

export async function isolate(query) {
  lastQuery = query;
  const params = new URLSearchParams(query);
  if (whatif.size) params.set("inoperable", [...whatif].join(","));
  const form = $("#iso-form");
  if (form.hydraulic?.checked) {
    params.set("hydraulic", "true");
    params.set("customers", "below"); // the compact answer: the summary needs no per-customer rows
    // no hour typed: the service's default (the network's peak hour, the engine warmed at
    // start: gis.hydraulic_model.default_hour), shown in the field's placeholder once answered
    const hour = form.hour.value.trim() === "" ? NaN : Number(form.hour.value);
    if (Number.isFinite(hour)) params.set("hour", String(Math.min(23, Math.max(0, hour))));
    // more than one hour: the outage window, each customer at its worst hour (tanks draining)
    const hours = Math.round(Number(form.hours?.value));
    if (Number.isFinite(hours) && hours > 1) params.set("hours", String(Math.min(72, hours)));
  }
  // an answer takes seconds with EPANET: the figures shown are the last question's meanwhile,
  // greyed and saying what is computing; an answer to an older question is dropped
  const mine = ++asked;
  markStale(form.hydraulic?.checked ? (params.get("hour") ?? form.hour.placeholder) : null);
  const plan = await busy(() => api("GET", `/api/networks/${state.networkId}/isolation?${params}`));
  if (mine !== asked) return;
  markStale(undefined);
  if (!plan) return;
  if (plan.hydraulic) form.hour.placeholder = String(plan.hydraulic.hour);
  lastIsolation = plan;
  renderIsolation(plan);
  drawIsolation(plan);
}

let asked = 0; // the questions asked: the last one's answer is shown

// the result shown marked as the last question's while the next is computing (`hour`: the
// hour computed, "" the service's default, null no hydraulics), unmarked with undefined
function markStale(hour) {
  const result = $("#iso-result");
  result.querySelector("#iso-computing")?.remove();
  const block = result.querySelector("#iso-hydraulic-result");
  result.classList.toggle("stale", hour !== undefined);
  if (hour === undefined || !result.firstElementChild) { result.removeAttribute("aria-busy"); return; }
  result.setAttribute("aria-busy", "true");
  const note = document.createElement("p");
  note.id = "iso-computing";
  note.className = "computing";
  note.setAttribute("role", "status");
  note.textContent = hour === null ? t("loading") : hour === "" ? t("hyd_computing_default") : t("hyd_computing", { hour });
  (block ?? result.firstElementChild).before(note);
}

function drawIsolation(plan) {
  const overlay = state.isoOverlay;
  overlay.clearLayers();
  const low = plan.hydraulic?.reduced_pressure?.area;
  // the map frames the shut area and the reduced-pressure area both (a trunk main's is km wide)
  const bounds = L.latLngBounds([]);
  if (low) {
    hatchDefs();
    const area = L.geoJSON(low, { renderer: state.work, className: "reduced-pressure", style: { color: COLOURS.reducedPressure, weight: 1.5, dashArray: "5 3" }, interactive: false }).addTo(overlay);
    bounds.extend(area.getBounds());
  }
  if (plan.area) {
    L.geoJSON(plan.area, { renderer: state.work, style: { color: COLOURS.area, weight: 1, fillOpacity: 0.12 }, interactive: false }).addTo(overlay);
  }
  for (const [ids, colour] of [[plan.unintended_pipes, COLOURS.unintended], [plan.isolated_pipes, COLOURS.isolated]]) {
    for (const id of ids) {
      const layer = state.layers.pipeById.get(id);
      if (!layer) continue;
      const line = L.polyline(layer.getLatLngs(), { renderer: state.work, color: colour, weight: 6, opacity: 0.85, interactive: false });
      line.addTo(overlay);
      bounds.extend(line.getBounds());
    }
  }
  closeMarkers.clear();
  plan.valves_to_close.forEach((v, i) => {
    const m = L.marker([v.location[1], v.location[0]], { icon: numberedIcon(i + 1), zIndexOffset: 1000 })
      .bindTooltip(`${i + 1}. ${escapeHtml(v.id)}`);
    m.on("click", () => markInoperable(v.id));
    m.addTo(overlay);
    closeMarkers.set(v.id, m);
    bounds.extend(m.getLatLng());
  });
  for (const v of plan.bypassed_valves) {
    L.marker([v.location[1], v.location[0]], { icon: numberedIcon("✕", "icon-valve-bypassed") })
      .bindTooltip(`${escapeHtml(v.id)}: ${t("bypassed")}`).addTo(overlay);
  }
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.4), { maxZoom: 17, animate: false });
}

// customers by category; none: no table (not an empty header)
function categoryTable(byCategory, id = "") {
  const rows = Object.entries(byCategory).filter(([, n]) => n > 0)
    .map(([c, n]) => `<tr><td>${escapeHtml(t(`cat_${c}`))}</td><td class="num">${n}</td></tr>`).join("");
  if (!rows) return "";
  return `<table class="data"${id ? ` id="${id}"` : ""}><thead><tr><th>${t("category")}</th><th class="num">${t("count")}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function criticalList(critical, id = "") {
  return `<ul class="critical"${id ? ` id="${id}"` : ""}>${critical.map((x) => `<li>✚ ${escapeHtml(x.name || x.id)} <span class="muted">${escapeHtml(x.kind || "")}</span></li>`).join("")}</ul>`;
}

// names joined; past `shown`, the rest behind a "+N" to open
function namesList(names, shown = 12) {
  const head = names.slice(0, shown).map(escapeHtml).join("、") || "—";
  if (names.length <= shown) return head;
  return `${head} <details class="more"><summary>+${names.length - shown}</summary>${names.slice(shown).map(escapeHtml).join("、")}</details>`;
}

function renderIsolation(plan) {
  const c = plan.customers;
  const valves = plan.valves_to_close.map((v, i) => `<li data-valve="${escapeHtml(v.id)}">
      <span class="badge close">${i + 1}</span> <code>${escapeHtml(v.id)}</code> <span class="muted">${escapeHtml(v.pipe)}</span>
      <button type="button" class="link locate" data-valve="${escapeHtml(v.id)}">${t("locate_valve")}</button>
      <button type="button" class="link mark" data-valve="${escapeHtml(v.id)}">${t("mark_inoperable")}</button>
      <button type="button" class="link report needs-engineer" data-valve="${escapeHtml(v.id)}">${t("report_valve")}</button></li>`).join("");
  const bypassed = plan.bypassed_valves.length
    ? `<p><strong>${t("bypassed")}:</strong> ${plan.bypassed_valves.map((v) => `<code>${escapeHtml(v.id)}</code>`).join(", ")}</p>` : "";
  const critical = c.critical.length ? `<h4>${t("critical_list")}</h4>${criticalList(c.critical)}` : "";
  const notes = plan.warnings.map((text, i) => {
    const w = (plan.warning_keys || [])[i];
    return escapeHtml(w ? message(w.key, w.params, text) : text);
  });
  const warnings = notes.length ? `<div class="warn">${notes.join("<br>")}</div>` : "";
  const hydraulic = plan.hydraulic ? hydraulicSummary(plan.hydraulic) : "";
  $("#iso-result").innerHTML = `
    <div class="summary">
      <div><span class="big">${c.total}</span> ${t("customers_cut")} · ${c.accounts} ${t("accounts")}</div>
      <div><span class="swatch" style="background:${COLOURS.isolated}"></span>${t("isolated_area")}: ${c.in_isolated_area} · ${plan.isolated_length_m} m</div>
      <div><span class="swatch" style="background:${COLOURS.unintended}"></span>${t("unintended_area")}: ${c.in_unintended_area} · ${plan.unintended_length_m} m</div>
      <div>${t("streets")}: ${plan.streets.map(escapeHtml).join("、") || "—"}</div>
    </div>
    ${warnings}
    ${hydraulic}
    <h4>${t("valves_to_close")} (${plan.valves_to_close.length})</h4>
    <ol class="valves" id="valves-to-close">${valves}</ol>
    ${bypassed}
    ${categoryTable(c.by_category)}
    ${critical}
    <div class="row">
      <button type="button" id="iso-notice" class="primary needs-dispatcher">${t("draft_notice")}</button>
    </div>`;
  for (const b of document.querySelectorAll("#iso-result button.locate")) b.addEventListener("click", () => locateClosing(b.dataset.valve));
  for (const b of document.querySelectorAll("#iso-result button.mark")) b.addEventListener("click", () => markInoperable(b.dataset.valve));
  for (const b of document.querySelectorAll("#iso-result button.report")) b.addEventListener("click", () => reportValve(b.dataset.valve));
  $("#iso-notice").addEventListener("click", () => draftFromIsolation(plan, [...whatif]));
}

// EPANET's answer: the counts an engineer checks first; the per-customer rows are in the API's
function hydraulicSummary(h) {
  const low = h.reduced_pressure;
  const mpa = (h.service_pressure_m * 0.00980665).toFixed(2);
  const m3h = (x) => x.toFixed(1);
  const notes = h.warnings.length ? `<div class="warn">${h.warnings.map(escapeHtml).join("<br>")}</div>` : "";
  const title = h.end_hour == null
    ? t("hyd_title", { hour: h.hour, mpa })
    : t("hyd_title_window", { hour: h.hour, end: h.end_hour, mpa });
  const volume = h.end_hour == null ? ""
    : ` · <span id="hyd-not-served-m3">${h.not_served_m3.toFixed(0)}</span> ${t("hyd_volume")}`;
  return `<div class="summary" id="iso-hydraulic-result">
      <h4>${title}</h4>
      <div><span class="swatch hatch-reduced"></span>${t("reduced_pressure_area")}:
        <span class="big" id="hyd-below">${low.customers}</span> ${t("hyd_below")} · ${low.nodes} ${t("hyd_nodes")} (${h.newly_below_service.length === low.nodes ? t("hyd_newly_all") : t("hyd_newly_n", { n: h.newly_below_service.length })})</div>
      <div>${t("hyd_not_served")}: <span id="hyd-not-served">${m3h(h.not_served_m3h)}</span> m³/h / ${m3h(h.served_before_m3h)} m³/h
        (${t("hyd_split", { cut: m3h(h.not_served_cut_off_m3h), low: m3h(h.not_served_low_pressure_m3h) })})${volume}</div>
      ${lowPressureLists(h.low_pressure)}
    </div>${notes}`;
}

// who is below the service pressure, named as those cut off are: by category, the critical
// customers, the streets and the DMAs (none below it: nothing listed)
function lowPressureLists(low) {
  if (!low || !low.total) return "";
  const critical = low.critical.length
    ? `<h4>${t("hyd_low_critical")} (${low.critical.length})</h4>${criticalList(low.critical, "hyd-low-critical")}` : "";
  return `${categoryTable(low.by_category, "hyd-low-categories")}${critical}
      <div id="hyd-low-streets">${t("hyd_low_streets")}: ${namesList(low.streets)}</div>
      <div id="hyd-low-dmas">${t("hyd_low_dmas")}: ${namesList(low.neighbourhoods)}</div>`;
}

// a valve of the list, found on the map: centred at street zoom with its number shown (the
// isolation drawn stays; valves a few metres apart are told apart from zoom 18)
function locateClosing(valveId) {
  const m = closeMarkers.get(valveId);
  if (!m) return;
  state.map.setView(m.getLatLng(), Math.max(state.map.getZoom(), 18), { animate: false });
  m.openTooltip();
}

function markInoperable(valveId) {
  whatif.add(valveId);
  renderWhatif();
  if (lastQuery) isolate(lastQuery);
}

async function reportValve(valveId) {
  const ok = await busy(() => api("PUT", `/api/networks/${state.networkId}/valves/${encodeURIComponent(valveId)}/status`,
    { operable: false, note: "reported from the console" }));
  if (ok) { say(t("valve_reported", { id: valveId }), "ok"); markInoperable(valveId); }
}

