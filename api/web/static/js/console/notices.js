// The notices tab (停水公告): drafting an outage notice (from an isolation or by hand), the list
// of notices, one notice with its texts, its exports of affected accounts, its lifecycle
// (publish, update, restore, cancel) and the authority's approval or report.
/* global L */
import { api, download } from "../api.js";
import { escapeHtml, historyNote, shortTime, t } from "../i18n.js";
import { COLOURS } from "../map.js";
import { dateTime24, dateTimeFields, setDateTime } from "./format.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";
import { showTab } from "./tabs.js";
import { loadWebhooks, wireWebhooks } from "./webhooks.js";

let opened = null; // the outage opened

function showOverlaps(overlaps, publish) {
  $("#overlap-ack")?.remove();
  const card = document.createElement("div");
  card.id = "overlap-ack";
  card.className = "card warn";
  card.innerHTML = `<p><strong>${t("overlap_title")}</strong></p>
    <ul>${overlaps.map((o) => `<li>${escapeHtml(t("overlap_line", { other: o.other, start: shortTime(o.start), end: shortTime(o.end).slice(6), customers: o.extra_customers, accounts: o.extra_accounts }))}${(o.extra_critical || []).length ? ` · ${escapeHtml(t("overlap_critical", { critical: o.extra_critical.join(", ") }))}` : ""}</li>`).join("")}</ul>
    <p class="help">${t("overlap_help")}</p>
    <button type="button" id="overlap-publish" class="danger">${t("overlap_ack")}</button>`;
  ($("#notice-edit") || $("#notice-detail")).after(card);
  $("#overlap-publish").addEventListener("click", () => { card.remove(); publish(); });
}

export const noticesTab = {
  show() {
    loadNotices();
    loadWebhooks();
  },
  rerender(shown) {
    if (shown) { loadNotices(); loadWebhooks(); }
  },
};

// the window a draft of the form's kind is offered now (ops.notices.drafting.default_window,
// GET /api/outages/default-window): an emergency from now (rounded up), a planned outage the
// first 09:00 its notice lead allows; an isolation asked with EPANET keeps its hours and, for a
// planned outage, its hour (the first one the lead allows). Switching the kind asks again: an
// emergency never keeps the planned day.
let draftHydraulic = null;

async function setDefaultWindow(form) {
  const kind = form.kind.value;
  const h = draftHydraulic;
  const asked = new URLSearchParams({ kind });
  if (h && kind === "planned") asked.set("hour", String(Math.floor(h.hour) % 24));
  if (h) asked.set("hours", String(h.end_hour != null ? h.end_hour - h.hour : 6));
  const got = await api("GET", `/api/outages/default-window?${asked}`).catch(() => null);
  if (!got) return;
  setDateTime(form, "start", got.start.slice(0, 16));
  setDateTime(form, "end", got.end.slice(0, 16));
}

export async function draftFromIsolation(plan, inoperable) {
  const form = $("#notice-form");
  form.pipes.value = plan.breaks.join(",");
  form.inoperable.value = inoperable.join(",");
  // an isolation asked with EPANET drafts a notice whose 降压区域 is by hydraulics, asked
  // explicitly (it waits for EPANET), over the window it asked (its hour, for its hours; one
  // hour asked: a 6-hour outage from that hour); any other leaves the basis to the service
  // (issue 17: hydraulic when available, the draft saying which it used)
  const h = plan.hydraulic;
  draftHydraulic = h || null;
  form.hydraulic.value = h ? "hydraulic" : "auto";
  await setDefaultWindow(form);
  if (!form.reason.value) form.reason.value = "pipe repair";
  if (!form.reason_zh.value) form.reason_zh.value = "管道维修";
  $("#notice-new").open = true;
  showTab("notices");
}

// a notice opened from elsewhere (the emergency form's "notice drafted"): the notices tab with it
export async function showNotice(id) {
  showTab("notices");
  await loadNotices();
  await openNotice(id);
}

// publishing an emergency that starts hours from now (ops.notices.drafting.check_start): most
// likely the wrong day; said with its time, and published only once the dispatcher confirms it
function showLateStart(refusal, publish) {
  $("#late-start-ack")?.remove();
  const card = document.createElement("div");
  card.id = "late-start-ack";
  card.className = "card warn";
  card.setAttribute("role", "alert");
  const p = refusal.params || {};
  card.innerHTML = `<p><strong>${escapeHtml(t("late_start_title"))}</strong></p>
    <p>${escapeHtml(t("refusal:emergency_starts_late", { ...p, start: shortTime(p.start || "") }))}</p>
    <button type="button" id="late-start-publish" class="danger">${escapeHtml(t("late_start_ack"))}</button>`;
  ($("#notice-edit") || $("#notice-detail")).after(card);
  $("#late-start-publish").addEventListener("click", () => { card.remove(); publish(); });
}

export function wireNotices() {
  wireWebhooks();
  $("#notice-form").kind.addEventListener("change", (e) => setDefaultWindow(e.target.form));
  $("#notice-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const [start, end] = [dateTime24(f, "start"), dateTime24(f, "end")];
    if (!start || !end) { say(t("datetime_hint"), "error"); return; }
    const body = {
      // Chinese first: the notice of record; the English reason is optional
      kind: f.kind.value, start, end, reason_zh: f.reason_zh.value.trim(),
      reason: f.reason.value.trim(),
      pipes: f.pipes.value.split(",").map((x) => x.trim()).filter(Boolean),
      inoperable: f.inoperable.value.split(",").map((x) => x.trim()).filter(Boolean),
      // the 降压区域's basis: EPANET over the window (true), topological (false), or not sent:
      // the service's "when available" (docs/hydraulics.md), the draft saying which it used
      hydraulic: { hydraulic: true, topological: false }[f.hydraulic.value], // undefined: not sent
    };
    const outage = await busy(() => api("POST", "/api/outages", body));
    if (outage) { $("#notice-new").open = false; await loadNotices(); await openNotice(outage.id); }
  });
}

async function loadNotices() {
  const outages = await api("GET", "/api/outages").catch(() => []);
  $("#notice-list").innerHTML = `<table class="data clickable"><thead><tr><th>ID</th><th>${t("kind")}</th><th>${t("status")}</th><th>${t("time_window")}</th></tr></thead><tbody>
    ${outages.map((o) => `<tr data-outage="${escapeHtml(o.id)}"><td><code>${escapeHtml(o.id)}</code></td><td>${escapeHtml(t(`kind_${o.kind}`))}</td>
      <td><span class="badge state-${escapeHtml(o.state)}">${escapeHtml(t(`state_${o.state}`))}</span></td>
      <td>${shortTime(o.content.start)} – ${shortTime(o.content.end)}</td></tr>`).join("")}</tbody></table>`;
  for (const tr of document.querySelectorAll("#notice-list tbody tr")) tr.addEventListener("click", () => openNotice(tr.dataset.outage));
  if (opened && outages.some((o) => o.id === opened.id)) await openNotice(opened.id);
}

// 城市供水条例 §22: a planned outage is approved by the water-supply authority before it is
// published (its approval on record); an emergency is reported to it while it is repaired.
function authorityForm(outage) {
  const planned = outage.kind === "planned";
  if (!["draft", "published", "updated"].includes(outage.state)) return "";
  if (planned && outage.state !== "draft") return "";
  // reported once is reported: the record is listed below, the form is not offered again
  if (!planned && (outage.records || []).some((r) => r.kind === "report")) return "";
  // approved once is approved: the approval on record stands in the form's place, so that
  // the dispatcher sees what the notice will be published with and is not asked again
  const approval = planned ? (outage.records || []).filter((r) => r.kind === "approval").at(-1) : null;
  if (approval) {
    return `<div id="authority-recorded" class="card">
      <p><strong>${t("rec_approval")}</strong> · ${escapeHtml(approval.authority)} ${escapeHtml(approval.document || "")} · ${shortTime(approval.at)}</p>
      <p class="help">${t("approval_recorded_help")}</p>
      <button type="button" id="authority-correct" class="needs-dispatcher">${t("approval_correct")}</button></div>`;
  }
  return recordForm(planned);
}

// the approval or report form; `was` (the approval on record, being corrected) fills it: the
// corrected one is recorded beside it, and the latest approval is the one the notice cites
function recordForm(planned, was = null) {
  const value = (v) => (was ? ` value="${escapeHtml(v || "")}"` : "");
  return `<form id="authority-form" class="grid2 needs-dispatcher card">
    <p class="help wide">${t(was ? "approval_correct_help" : planned ? "approval_help" : "report_help")}</p>
    <label><span>${t("authority")}</span><input name="authority" required maxlength="200" lang="zh-CN" placeholder="开封市城市管理局"${value(was?.authority)}></label>
    <label><span>${t(planned ? "approval_document" : "report_reference")}</span><input name="document" ${planned ? "required" : ""} maxlength="200" placeholder="${planned ? "汴城管供〔2026〕X号" : ""}"${value(was?.document)}></label>
    <label><span>${t(planned ? "approved_at" : "reported_at")}</span>${dateTimeFields("at", was?.at?.slice(0, 16), { required: planned })}</label>
    <button type="submit">${t(planned ? "record_approval" : "record_report")}</button>
  </form>`;
}

// what the notice's 降压区域 rests on (issue 17: "says which it used"), and why not by hydraulics
// when it was to be when available: by its code in the reader's language (i18n "fallback:"),
// a draft made before the codes by the service's English (reduced_pressure_fallback)
const clock = (hour) => `${String(Math.floor(hour) % 24).padStart(2, "0")}:00`;

function basisLine(c) {
  const h = c.reduced_pressure;
  const vars = h && { hour: clock(h.hour), end: h.end_hour != null ? clock(h.end_hour) : "", mpa: h.service_pressure_mpa.toFixed(2), customers: h.customers, accounts: h.accounts };
  const line = !h ? t("notice_basis_line_topological")
    : t(h.end_hour != null ? "notice_basis_line_hydraulic_window" : "notice_basis_line_hydraulic", vars);
  const code = c.reduced_pressure_fallback_code;
  const reason = code
    ? escapeHtml(t(`fallback:${code}`, c.reduced_pressure_fallback_params || {}))
    : `<span lang="en">${escapeHtml(c.reduced_pressure_fallback || "")}</span>`;
  const why = c.reduced_pressure_fallback
    ? `<p id="notice-basis-fallback" class="warn">${t("notice_basis_fallback")}${reason}</p>`
    : "";
  return `<p id="notice-basis" class="notice-basis">${escapeHtml(line)}</p>${why}`;
}

// the notes the service writes itself for a step (ops.outages): said in the console's language
// as the step ("新建草稿", not "草稿 created"); a dispatcher's note after the state, as written
const SERVICE_NOTES = { draft: ["created", "edited"], published: ["published"] };

function revisionStep(r) {
  // a note the service wrote, worded in the reader's language (ops.history.revision_text)
  if (r.words) return escapeHtml(historyNote(r));
  if ((SERVICE_NOTES[r.state] || []).includes(r.note)) return escapeHtml(t(`rev_${r.note}`));
  return `${escapeHtml(t(`state_${r.state}`))} ${escapeHtml(r.note || "")}`;
}

async function openNotice(id) {
  const outage = await busy(() => api("GET", `/api/outages/${encodeURIComponent(id)}`));
  if (!outage) return;
  opened = outage;
  const [zh, en] = await Promise.all(["zh", "en"].map((f) => api("GET", `/api/outages/${encodeURIComponent(id)}/notice?format=${f}`).catch((e) => e.message)));
  const live = ["draft", "published", "updated"].includes(outage.state);
  const c = outage.content;
  $("#notice-detail").innerHTML = `
    <h3><code>${escapeHtml(outage.id)}</code> <span class="badge state-${escapeHtml(outage.state)}" id="notice-state">${escapeHtml(t(`state_${outage.state}`))}</span></h3>
    ${basisLine(c)}
    <div class="previews">
      <figure><figcaption>中文</figcaption><pre class="notice-text" id="preview-zh">${escapeHtml(zh)}</pre></figure>
      <figure><figcaption>English</figcaption><pre class="notice-text" id="preview-en">${escapeHtml(en)}</pre></figure>
    </div>
    ${outage.state === "draft" ? "" : `<p class="notice-links">
      <a id="notice-page" href="/outages/${encodeURIComponent(outage.id)}" target="_blank" rel="noopener">${t("notice_page")}</a> ·
      <a id="notice-print" href="/outages/${encodeURIComponent(outage.id)}/print" target="_blank" rel="noopener">${t("notice_print")}</a></p>`}
    <p class="notice-links needs-dispatcher">
      <button type="button" id="notice-accounts-csv">${t("notice_accounts_csv")}</button>
      <button type="button" id="notice-accounts-xlsx">${t("notice_accounts_xlsx")}</button></p>
    ${live ? `<form id="notice-edit" class="grid2 needs-dispatcher">
      <label><span>${t("start")}</span>${dateTimeFields("start", c.start.slice(0, 16))}</label>
      <label><span>${t("end")}</span>${dateTimeFields("end", c.end.slice(0, 16))}</label>
      <label class="wide"><span>${t("note")}</span><input name="note" maxlength="500"></label>
      ${outage.state === "draft" ? "" : `<label class="wide"><span>${t("note_zh")}</span><input name="note_zh" maxlength="500" lang="zh-CN"></label>`}
      ${outage.state === "draft" ? `<button type="button" id="notice-publish" class="primary">${t("publish")}</button>` : ""}
      <button type="submit">${t("update")}</button>
      ${outage.state !== "draft" && Date.parse(c.start) <= Date.now() ? `<button type="button" id="notice-restore">${t("restore")}</button>` : ""}
      <button type="button" id="notice-cancel" class="danger">${t("cancel")}</button>
    </form>` : ""}
    ${authorityForm(outage)}
    <h4>${t("revisions")}</h4>
    ${(outage.records || []).length ? `<ul class="authority-records">${outage.records.map((r) => `<li>${escapeHtml(t(`rec_${r.kind}`))} · ${escapeHtml(r.authority)}${r.document ? ` ${escapeHtml(r.document)}` : ""} · ${shortTime(r.at)} · ${t("entered_by")} ${escapeHtml(r.entered_by)} ${shortTime(r.entered_at)}</li>`).join("")}</ul>` : ""}
    <ol class="revisions">${outage.revisions.map((r) => `<li>${shortTime(r.at)} · ${revisionStep(r)}${r.note_zh ? ` — ${escapeHtml(r.note_zh)}` : ""}</li>`).join("")}</ol>`;
  const step = async (path, body) => {
    const done = await busy(() => api("POST", `/api/outages/${encodeURIComponent(id)}/${path}`, body, { version: outage.version, idempotent: true }));
    if (done) await loadNotices();
  };
  // publishing over other planned outages at the same time and place: the rule lets the
  // dispatcher go ahead knowingly (ops.outages.publish); the refusal lists what the overlap
  // costs, and offers to acknowledge it and publish, or to move one of the outages instead
  // an emergency that starts hours from now is asked about the same way (the wrong day?)
  const publishNotice = async (acknowledge, lateStart = false) => {
    say(t("loading"));
    try {
      await api("POST", `/api/outages/${encodeURIComponent(id)}/publish`, { acknowledge_overlaps: acknowledge, acknowledge_late_start: lateStart }, { version: outage.version, idempotent: true });
      say("");
      await loadNotices();
    } catch (err) {
      if (!acknowledge && err.body?.overlaps?.length) { say(""); showOverlaps(err.body.overlaps, () => publishNotice(true, lateStart)); return; }
      if (!lateStart && err.body?.code === "emergency_starts_late") { say(""); showLateStart(err.body, () => publishNotice(acknowledge, true)); return; }
      say(`${t("error")}: ${err.message}`, "error");
    }
  };
  $("#notice-publish")?.addEventListener("click", () => publishNotice(false));
  const accounts = `/api/outages/${encodeURIComponent(id)}/accounts`;
  $("#notice-accounts-csv").addEventListener("click", () => busy(() => download(`${accounts}.csv`, `${id}-accounts.csv`)));
  $("#notice-accounts-xlsx").addEventListener("click", () => busy(() => download(`${accounts}.xlsx`, `${id}-accounts.xlsx`)));
  const wireRecordForm = () => $("#authority-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    const at = dateTime24(f, "at");
    if (at === null) { say(t("datetime_hint"), "error"); return; }
    if (outage.kind === "planned") step("approval", { authority: f.authority.value.trim(), document: f.document.value.trim(), approved_at: at });
    else step("report", { authority: f.authority.value.trim(), reported_at: at || undefined, reference: f.document.value.trim() });
  });
  wireRecordForm();
  // a mistyped approval is corrected, not re-approved: the form comes back filled with it
  $("#authority-correct")?.addEventListener("click", () => {
    const approval = outage.records.filter((r) => r.kind === "approval").at(-1);
    $("#authority-recorded").outerHTML = recordForm(true, approval);
    wireRecordForm();
  });
  $("#notice-restore")?.addEventListener("click", () => step("restore", {}));
  $("#notice-cancel")?.addEventListener("click", () => {
    const reason = prompt(t("cancel_reason"));
    // a reason in Chinese goes into the Chinese notice; one in English only into the English
    if (reason) step("cancel", { reason, reason_zh: /[\u3400-\u9fff]/.test(reason) ? reason : "" });
  });
  $("#notice-edit")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    const [start, end] = [dateTime24(f, "start"), dateTime24(f, "end")];
    if (start === null || end === null) { say(t("datetime_hint"), "error"); return; }
    step("update", { start: start || undefined, end: end || undefined, note: f.note.value, note_zh: f.note_zh?.value || "" });
  });
  if (c.area) {
    state.isoOverlay.clearLayers();
    const area = L.geoJSON(c.area, { renderer: state.work, style: { color: COLOURS.area, weight: 2, fillOpacity: 0.15 } }).addTo(state.isoOverlay);
    state.map.fitBounds(area.getBounds().pad(0.3));
  }
}
