// The leakage tab (漏损与阀门): the water balance analyses (CJJ 92, ILI, the DMAs ranked,
// bursts, outreach), survey jobs from the ranking, and the valve exercise programme.
/* global L */
import { api, upload } from "../api.js";
import { code, currentLang, escapeHtml, t } from "../i18n.js";
import { COLOURS } from "../map.js";
import { kaifengShort } from "./format.js";
import { $, state } from "./state.js";
import { busy } from "./status.js";
import { focusValve } from "./valves.js";

let analysis = null; // the analysis shown

export const leakageTab = {
  show() {
    loadLeakage();
  },
  rerender(shown) {
    if (shown) loadLeakage();
  },
};

export function wireLeakage() {
  $("#analysis-select").addEventListener("change", (e) => openAnalysis(Number(e.target.value)));
  $("#leak-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    for (const [key, value] of [...data.entries()]) if (value instanceof File && !value.size) data.delete(key);
    const added = await busy(() => upload("/api/leakage/analyses", data));
    if (added) { e.target.reset(); await loadLeakage(added.id); }
  });
}

async function loadLeakage(select) {
  const analyses = await api("GET", "/api/leakage/analyses").catch(() => []);
  const sel = $("#analysis-select");
  sel.innerHTML = analyses.map((a) => `<option value="${escapeHtml(a.id)}">#${escapeHtml(a.id)} · ${escapeHtml(a.period.start)} – ${escapeHtml(a.period.end)}</option>`).join("");
  const want = select ?? analysis?.id ?? analyses[0]?.id;
  if (want) { sel.value = String(want); await openAnalysis(want); } else $("#leak-result").textContent = t("no_analysis");
  loadProgramme();
}

function fmt(x, digits = 0) { return Number(x).toLocaleString(currentLang() === "zh" ? "zh-CN" : "en", { maximumFractionDigits: digits }); }

async function openAnalysis(id) {
  const a = await busy(() => api("GET", `/api/leakage/analyses/${id}`));
  if (!a) return;
  analysis = a;
  const s = a.system;
  const c = a.cjj92;
  const rows = a.ranking.map((r, i) => `<tr data-dma="${escapeHtml(r.dma)}"><td class="num">${i + 1}</td><td>${escapeHtml(r.dma)} ${escapeHtml(r.name)}</td>
      <td class="num">${fmt(r.real_losses_m3_per_day)}</td><td class="num">${fmt(r.ili, 1)}</td><td class="num">${fmt(r.recoverable_m3_per_day)}</td></tr>`).join("");
  $("#leak-result").innerHTML = `
    <div class="summary" id="leak-summary">
      <div>${t("system_input")} ${fmt(s.system_input_m3)} m³ · ${t("real_losses")} ${fmt(s.real_losses_m3)} m³ · ${t("nrw")} ${fmt(s.non_revenue_pct, 1)} %</div>
      <div>${t("cjj92")}: <span class="big">${fmt(c.rate_pct, 2)} %</span> <span id="cjj92-grade">${escapeHtml(gradeWords(c))}</span></div>
      ${gradeWarnings(c)}
      <div>${t("ili")}: ${fmt(a.ili.ili, 2)}</div>
      <p class="hint" id="nrw-split">${escapeHtml(t("nrw_split", { nrw: fmt(s.non_revenue_m3), real: fmt(s.real_losses_m3), apparent: fmt(s.apparent_losses_m3), unbilled: fmt(s.unbilled_metered_m3 + s.unbilled_unmetered_m3) }))}</p>
      ${iliVsRate(a)}
    </div>
    <h4>${t("ranking")}</h4>
    <table class="data clickable" id="ranking-table"><thead><tr><th>#</th><th>DMA</th><th class="num">${t("real_losses")} m³/d</th><th class="num">ILI</th><th class="num">${t("recoverable")}</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="row needs-dispatcher"><button type="button" id="survey-jobs" class="primary">${t("survey_jobs")}</button><span id="survey-result"></span></div>
    <h4>${t("bursts")} (${a.bursts.length})</h4>
    <table class="data" id="bursts-table"><thead><tr><th>DMA</th><th>${t("started")}</th><th class="num">${t("size")}</th></tr></thead><tbody>
      ${a.bursts.map((b) => `<tr><td>${escapeHtml(b.dma)}</td><td>${escapeHtml(b.started)}</td><td class="num">${fmt(b.size_m3h, 1)}</td></tr>`).join("")}</tbody></table>
    <h4>${t("outreach")} (${a.outreach.length})</h4>
    <ul class="outreach">${a.outreach.slice(0, 15).map((f) => `<li><code>${escapeHtml(f.customer)}</code> ${escapeHtml(outreachLine(f))}</li>`).join("")}</ul><div id="pressure-mgmt"></div>`;
  loadPressure(a);
  for (const tr of document.querySelectorAll("#ranking-table tbody tr")) tr.addEventListener("click", () => focusDma(tr.dataset.dma, tr));
  $("#survey-jobs").addEventListener("click", async () => {
    const jobs = await busy(() => api("POST", `/api/leakage/analyses/${a.id}/survey-jobs`, { top: 3 }));
    if (jobs) $("#survey-result").textContent = t("jobs_created", { n: jobs.length });
  });
}

function focusDma(dma, row) {
  for (const x of document.querySelectorAll("#ranking-table tr.selected")) x.classList.remove("selected");
  row.classList.add("selected");
  state.isoOverlay.clearLayers();
  state.layers.dmas.eachLayer((layer) => {
    if (layer.feature.id !== dma) return;
    L.geoJSON(layer.feature, { renderer: state.work, style: { color: COLOURS.area, weight: 3, fillOpacity: 0.12 }, interactive: false }).addTo(state.isoOverlay);
    state.map.fitBounds(layer.getBounds());
  });
}

async function loadProgramme() {
  clearTimeout(tablePoll);
  const network = state.networkId;
  const table = await api("GET", `/api/networks/${network}/valve-programme/hydraulic-table`).catch(() => null);
  // with the network's finished hydraulic valve table, the valves critical by hydraulics too
  const hydraulic = table?.state === "done" ? `&hydraulic=true${table.inputs.hour === null ? "" : `&hour=${table.inputs.hour}`}` : "";
  const [report, programme] = await Promise.all([
    api("GET", `/api/networks/${network}/valve-programme/report`).catch(() => null),
    api("GET", `/api/networks/${network}/valve-programme?top=10${hydraulic}`).catch(() => null),
  ]);
  if (!report || !programme || network !== state.networkId) return;
  $("#programme").innerHTML = `
    <div class="summary" id="programme-summary">
      <div>${t("at_risk_before")}: <span class="big">${fmt(report.extra_customers_at_risk_before)}</span> ${t("extra_customers_short")}</div>
      <div>${t("at_risk_after")}: <span class="big">${fmt(report.extra_customers_at_risk_after)}</span> (−${fmt(report.reduction_pct)} %)</div>
      <p class="hint" id="at-risk-after-note">${t("at_risk_after_note")}${report.expected_after == null ? "" : ` ${t("at_risk_expected", { n: fmt(report.expected_after), share: fmt(100 * report.fault_share, 0) })}`}</p>
      <div>${t("due_valves")}: ${fmt(programme.total)} ${t("due_critical", { n: fmt(programme.critical) })}</div>
    </div>
    <table class="data clickable" id="programme-table"><thead><tr><th>${t("valve")}</th><th>${t("area")}</th><th>${t("last_exercised")}</th><th class="num">${t("extra_customers_short")}</th></tr></thead><tbody>
      ${programme.due.map((v) => `<tr data-valve="${escapeHtml(v.valve)}"><td><code>${escapeHtml(v.valve)}</code>${v.critical ? " ★" : ""}</td><td>${escapeHtml(v.area)}</td>
        <td>${v.last_exercised ? escapeHtml(v.last_exercised) : t("never")}</td><td class="num">${fmt(v.extra_customers_if_failed)}</td></tr>`).join("")}</tbody></table>
    <div class="row needs-dispatcher"><button type="button" id="add-exercises">${t("add_exercises")}</button><span id="exercise-result"></span></div>
    <div id="valve-table"></div>`;
  renderTable(network, table, programme.hydraulic);
  for (const tr of document.querySelectorAll("#programme-table tbody tr")) tr.addEventListener("click", () => focusValve(tr.dataset.valve));
  $("#add-exercises").addEventListener("click", async () => {
    const jobs = await busy(() => api("POST", "/api/valve-exercises", { count: 20 }));
    if (jobs) $("#exercise-result").textContent = t("jobs_created", { n: jobs.length });
  });
}

// Pressure management by DMA (issue 17): the inlet PRV setting, the FAVAD saving and the payback,
// PRVs that pay first. A background job of the service (api/routes/leakage.py): the button starts
// it, the screen polls its progress (DMAs done of the total) and shows the result when it is done;
// the result is stored, so opening the analysis again shows it at once.
const OPERATORS = ["dispatcher", "engineer", "admin"];
let pressurePoll = null;

async function loadPressure(a) {
  clearTimeout(pressurePoll);
  const job = await api("GET", `/api/leakage/analyses/${a.id}/pressure-management`).catch(() => null);
  renderPressure(a, job);
}

// a job that took over a stopped or interrupted one's work (api/jobs.py): say how much it kept
function resumedNote(job) {
  return job?.resumed && job.state !== "failed" ? t("job_resumed", { done: job.resumed.done }) : "";
}

function renderPressure(a, job) {
  const box = $("#pressure-mgmt");
  if (!box || analysis?.id !== a.id) return; // another analysis is shown now
  const running = job && (job.state === "queued" || job.state === "running");
  const done = job?.state === "done";
  let status = "";
  if (running) status = job.progress.total ? t("pm_progress", { done: job.progress.done, total: job.progress.total }) : t("pm_queued");
  else if (job?.state === "failed") status = t("pm_failed", { error: job.error });
  else if (job?.state === "stopped" || job?.state === "interrupted") status = t(`job_${job.state}`, job.progress);
  else if (done) status = t("pm_done", { when: kaifengShort(job.finished_at) });
  status += resumedNote(job);
  const rows = done ? job.pressure_management : a.pressure_management;
  // the run's warnings in the console's language by code (the English of a result stored before)
  const source = done ? job : a;
  const warnings = source.pressure_management_warning_codes
    ? source.pressure_management_warning_codes.map((w) => (w.code === "legacy" ? "" : t(`pm:${w.code}`, w.params))).map((x, k) => x || source.pressure_management_warnings[k])
    : (source.pressure_management_warnings ?? []);
  const button = OPERATORS.includes(document.body.dataset.role)
    ? `<button type="button" id="pm-run"${running ? " disabled" : ""}>${t(done ? "pm_rerun" : "pm_run")}</button>${running ? ` <button type="button" id="pm-stop">${t("job_stop")}</button>` : ""}` : "";
  box.innerHTML = `<h4>${t("pressure_management")}</h4>
    <div class="row">${button}<span id="pm-status" class="${job?.state === "failed" ? "error" : ""}">${escapeHtml(status)}</span></div>
    ${rows ? pressureTable(rows) : `<p class="hint">${t("pm_none")}</p>`}
    ${warnings.length ? `<ul id="pm-warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>` : ""}`;
  $("#pm-run")?.addEventListener("click", async () => {
    const started = await busy(() => api("POST", `/api/leakage/analyses/${a.id}/pressure-management`, {}));
    if (started) renderPressure(a, started);
  });
  $("#pm-stop")?.addEventListener("click", async () => {
    const stopping = await busy(() => api("DELETE", `/api/leakage/analyses/${a.id}/pressure-management`));
    if (stopping) renderPressure(a, stopping);
  });
  if (running) pressurePoll = setTimeout(() => loadPressure(a), 1000);
}

// a high-water-use line with its units: a month's volume (m³) or the night flow (m³/h), and the
// customer's usual beside it ("night use rose 2.86 m³/h (usual 0.01 m³/h, ×317.7)")
function outreachLine(f) {
  const unit = f.kind === "night_use" ? "m³/h" : "m³";
  const usual = t("outreach_usual", { usual: `${fmt(f.usual, 2)} ${unit}` });
  return `${code("outreach", f.kind)} ${fmt(f.value, 2)} ${unit} (${usual}${f.ratio === null ? "" : `, ×${fmt(f.ratio, 1)}`})`;
}

// a good CJJ 92 grade beside a poor ILI (docs/leakage.md): the rate compares losses with
// supply, the ILI with the unavoidable minimum of this network; where each connection takes
// much water (blocks of flats) both hold. Said only where they look contradictory.
function iliVsRate(a) {
  if (!(a.ili.ili > 2 && a.cjj92.rate_pct <= 10)) return "";
  const connections = a.ranking.reduce((n, r) => n + r.connections, 0);
  const use = connections ? a.system.system_input_m3 / a.system.days / connections : 0;
  return `<p class="hint" id="ili-vs-rate">${escapeHtml(t("ili_vs_rate", { ili: fmt(a.ili.ili, 1), use: fmt(use, 1) }))}</p>`;
}

// the CJJ 92 grade in the console's language by its code (the English of an analysis stored
// before the codes)
function gradeWords(c) {
  if (!c.grade_code) return c.grade;
  const grade = code("cjj92", c.grade_code);
  return c.indicative ? `${grade}${t("cjj92_indicative", { days: fmt(c.period_days, 0) })}` : grade;
}

// the grade's warnings (no plant output, households' volume estimated) in the console's language
// by their codes (i18n.js "cjj92w:CODE"), the English of an analysis stored before the codes
function gradeWarnings(c) {
  const params = (w) => (w.params.m3_per_household_day == null ? w.params : { ...w.params, m3_per_household_day: fmt(w.params.m3_per_household_day, 2) });
  const words = c.warning_codes ? c.warning_codes.map((w) => t(`cjj92w:${w.code}`, params(w))) : (c.warnings ?? []);
  return words.length ? `<ul class="hint" id="cjj92-warnings">${words.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>` : "";
}

function pressureTable(rows) {
  const body = rows.map((r) => `<tr data-dma="${escapeHtml(r.dma)}"><td><b>${escapeHtml(r.dma)}</b> <small>${escapeHtml(r.name)}</small>${r.pays ? ` <span class="badge pm-pays">${t("prv_pays")}</span>` : ""}</td>
    <td class="num">${r.inlet_setting_m === null ? (r.boundary === "open" ? t("pm_open_boundary") : "—") : `<span title="${fmt(r.inlet_setting_mpa, 3)} MPa">${fmt(r.inlet_setting_m, 1)} m</span>`}</td>
    <td class="num" title="${escapeHtml(r.critical_node)}, ${r.critical_hour}:00">${fmt(r.critical_today_m, 1)} → ${fmt(r.critical_with_prv_m, 1)}</td>
    <td class="num">${fmt(r.real_losses_m3_per_day, 0)}</td><td class="num">${fmt(r.saved_m3_per_day, 0)}</td><td class="num">${fmt(r.saved_share_pct, 0)} %</td>
    <td class="num">${r.payback_years === null ? "—" : fmt(r.payback_years, 1)}</td>
    <td class="num" title="${escapeHtml(t(`pm_n1_${(r.n1_source ?? "default").replace(/[^a-z]+/g, "_")}`))}">${fmt(r.n1, 2)}${r.n1_source === "night-flow step" ? " *" : ""}</td>
    </tr>`).join("");
  // each warning in the console's language by its code (i18n.js "pm:CODE"), the English where
  // a stored result predates the codes
  const words = (r) => (r.warning_codes ? r.warning_codes.map((w) => t(`pm:${w.code}`, w.params)) : (r.warnings ?? []));
  const notes = rows.flatMap((r) => words(r).map((w) => `<li><b>${escapeHtml(r.dma)}</b>: ${escapeHtml(w)}</li>`)).join("");
  return `<div class="table-scroll"><table class="data" id="pressure-table"><thead><tr><th>DMA</th><th class="num">${t("prv_setting")}</th><th class="num">${t("critical_point_m")}</th>
    <th class="num">${t("real_losses")} m³/d</th><th class="num">${t("saved_m3d")}</th><th class="num">${t("share_of_real_losses")}</th><th class="num">${t("payback_years")}</th><th class="num">N1</th></tr></thead><tbody>${body}</tbody></table></div>
    <p class="hint">${t("pm_valves_shut")}</p>
    ${notes ? `<ul class="pm-notes">${notes}</ul>` : ""}`;
}

// The network's hydraulic valve table (issue 17): every valve failing in turn in EPANET, minutes
// on a city, a background job of the service (api/routes/programmes.py). The button starts it,
// the screen polls its progress (valves done of the total), a stop ends it at the next valve;
// when it is done, the programme above counts the valves critical by their hydraulics too.
let tablePoll = null;

function renderTable(network, job, hydraulic) {
  const box = $("#valve-table");
  if (!box || network !== state.networkId) return;
  const running = job && (job.state === "queued" || job.state === "running");
  let status = t("vt_none");
  if (running) status = job.progress.total ? t("vt_progress", { done: job.progress.done, total: job.progress.total }) : t("pm_queued");
  else if (job?.state === "failed") status = t("pm_failed", { error: job.error });
  else if (job?.state === "stopped" || job?.state === "interrupted") status = t(`job_${job.state}`, job.progress);
  else if (job?.state === "done") status = t("vt_done", { hour: fmt(job.hour, 1), n: hydraulic ? hydraulic.critical_by_hydraulics.length : 0, valves: job.valves });
  status += resumedNote(job);
  const operator = OPERATORS.includes(document.body.dataset.role);
  const buttons = operator
    ? `<button type="button" id="vt-run"${running ? " disabled" : ""}>${t(job?.state === "done" ? "vt_rerun" : "vt_run")}</button>${running ? ` <button type="button" id="vt-stop">${t("job_stop")}</button>` : ""}` : "";
  const worst = job?.state === "done" ? (job.worst ?? []).slice(0, 5) : [];
  box.innerHTML = `<h4>${t("vt_title")}</h4>
    <div class="row">${buttons}<span id="vt-status" class="${job?.state === "failed" ? "error" : ""}">${escapeHtml(status)}</span></div>
    ${worst.length ? `<table class="data clickable" id="vt-worst"><thead><tr><th>${t("valve")}</th><th class="num">${t("vt_not_served")}</th><th class="num">${t("vt_below")}</th></tr></thead><tbody>
      ${worst.map((r) => `<tr data-valve="${escapeHtml(r.valve)}"><td><code>${escapeHtml(r.valve)}</code></td><td class="num">${fmt(r.extra_not_served_m3h, 1)}</td><td class="num">${fmt(r.extra_below_service)}</td></tr>`).join("")}</tbody></table>` : ""}`;
  for (const tr of box.querySelectorAll("#vt-worst tbody tr")) tr.addEventListener("click", () => focusValve(tr.dataset.valve));
  const url = `/api/networks/${network}/valve-programme/hydraulic-table`;
  $("#vt-run")?.addEventListener("click", async () => {
    const started = await busy(() => api("POST", url, {}));
    if (started) { renderTable(network, started, null); poll(); }
  });
  $("#vt-stop")?.addEventListener("click", async () => {
    const stopping = await busy(() => api("DELETE", url));
    if (stopping) renderTable(network, stopping, null);
  });
  function poll() {
    clearTimeout(tablePoll);
    tablePoll = setTimeout(async () => {
      if (network !== state.networkId) return;
      const now = await api("GET", url).catch(() => null);
      if (now?.state === "done") loadProgramme(); // the programme with the table
      else { renderTable(network, now, null); if (now && (now.state === "queued" || now.state === "running")) poll(); }
    }, 1000);
  }
  if (running) poll();
}
