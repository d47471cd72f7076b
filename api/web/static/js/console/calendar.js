// The working-day calendar tab (工作日历): the years known and where each comes from, and a
// year's State Council notice entered (the jobs and applications whose deadlines it moves).
import { api } from "../api.js";
import { escapeHtml, shortTime, t } from "../i18n.js";
import { $ } from "./state.js";
import { busy } from "./status.js";

export const calendarTab = {
  show() {
    loadCalendar();
  },
  rerender(shown) {
    if (shown) loadCalendar();
  },
};

async function loadCalendar() {
  const cal = await api("GET", "/api/calendar").catch(() => null);
  if (!cal) return;
  const kept = new Map(cal.kept.map((k) => [k.year, k]));
  $("#cal-years").innerHTML = `<table class="data" id="cal-table"><thead><tr><th>${t("cal_year")}</th><th>${t("status")}</th><th>${t("cal_source")}</th></tr></thead><tbody>
    ${cal.years.map((y) => `<tr data-year="${escapeHtml(y.year)}"><td>${escapeHtml(y.year)}</td>
      <td><span class="badge ${y.status === "provisional" ? "provisional" : "ok"}">${escapeHtml(t(y.status))}</span></td>
      <td>${escapeHtml(y.status === "provisional" ? t("provisional_source") : y.source)}${kept.has(y.year) ? ` · ${escapeHtml(t("cal_kept", { by: kept.get(y.year).entered_by, at: shortTime(kept.get(y.year).entered_at) }))}` : ""}</td></tr>`).join("")}</tbody></table>`;
}

function dateLines(text) {
  return String(text || "").split(/[\s,，、]+/).map((x) => x.trim()).filter(Boolean);
}

export function wireCalendar() {
  $("#cal-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {
      document: f.document.value.trim(),
      published_on: f.published_on.value || null,
      days_off: dateLines(f.days_off.value),
      workdays: dateLines(f.workdays.value),
    };
    const year = Number(f.year.value);
    const saved = await busy(() => api("PUT", `/api/calendar/years/${year}`, body));
    if (!saved) return;
    const moved = saved.moved.map((m) => `<li><code>${escapeHtml(m.job || m.application)}</code> ${escapeHtml(m.field)}: ${shortTime(m.old)} → ${shortTime(m.new)}</li>`).join("");
    $("#cal-result").innerHTML = `<p class="ok">${escapeHtml(t("cal_saved", { year }))}</p>
      <h4>${escapeHtml(t("cal_moved", { n: saved.moved.length }))}</h4><ul id="cal-moved">${moved}</ul>`;
    loadCalendar();
  });
}
