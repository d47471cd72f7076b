// The crews tab (班组排班, issue 18 item 3): every crew's day (at work with what hours, or away
// and why), and for a dispatcher the editor of a crew (skills, roster shift, on-call duty), of
// its shift on the day chosen, and of its absences (leave, sickness, vehicle out of service; for
// some hours of a date too); the form of a new crew.
import { api } from "../api.js";
import { code, currentLang, escapeHtml, t } from "../i18n.js";
import { clock24 } from "./format.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";

const SKILLS = ["valve", "pipe", "meter", "leak", "tanker"];
const REASONS = ["leave", "sickness", "vehicle"];

let chosen = null; // the crew being edited
// Each load of the tab is numbered; only the newest one renders. A slower, older load (the tab
// shown, then the day changed, then a crew clicked) would otherwise fill the form after the user
// started editing it and save what it read before.
let generation = 0;

export const crewsTab = {
  show() {
    if (!$("#crews-day").value) $("#crews-day").value = today();
    loadCrews();
  },
  rerender(shown) {
    if (shown) loadCrews();
  },
};

function today() {
  return new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

function day() {
  return $("#crews-day").value || today();
}

async function loadCrews() {
  const mine = ++generation;
  // the chosen crew's title is written with its form by the newest load: until then the form
  // is not the one to type in (a test, or a dispatcher, waits for the title)
  $("#crew-day-title").textContent = "";
  const [crews, days] = await busy(() =>
    Promise.all([api("GET", "/api/crews"), api("GET", `/api/crews/days/${day()}`)]),
  ) || [];
  if (!crews || mine !== generation) return;
  state.crews = crews;
  const reason = $("#absence-form select[name=reason]");
  const was = reason.value;
  reason.innerHTML = REASONS.map((r) => `<option value="${r}">${escapeHtml(code("absence", r))}</option>`).join("");
  if (was) reason.value = was;
  const byId = new Map(days.crews.map((d) => [d.id, d]));
  $("#crews-day-table").innerHTML = `<p class="help">${escapeHtml(t(days.working_day ? "crews_working_day" : "crews_day_off"))}</p>
    <table class="data" id="crews-table"><thead><tr><th>${t("crew")}</th><th>${t("crew_skills")}</th>
      <th>${t("crew_roster_shift")}</th><th>${t("crew_on_day")}</th><th>${t("crew_on_call")}</th></tr></thead><tbody>
    ${crews.map((c) => {
      const d = byId.get(c.id);
      const onDay = !d ? `<span class="badge">${escapeHtml(t("crew_inactive"))}</span>`
        : d.absent ? `<span class="badge late" data-absent="${escapeHtml(d.absent)}">${escapeHtml(code("absence", d.absent))}</span>`
        : d.works ? `${escapeHtml(d.shift_start)}–${escapeHtml(d.shift_end)}${d.changed ? ` <span class="badge provisional">${escapeHtml(t("crew_changed"))}</span>` : ""}${awayBadges(d)}`
        : `<span class="badge">${escapeHtml(t("crew_off"))}</span>`;
      return `<tr data-crew="${escapeHtml(c.id)}" ${chosen === c.id ? 'aria-selected="true" style="background: #eef4fb"' : ""}><td style="white-space: nowrap"><code>${escapeHtml(c.id)}</code></td>
        <td>${c.skills.map((s) => escapeHtml(code("skill", s))).join(currentLang() === "zh" ? "、" : ", ")}</td>
        <td style="white-space: nowrap">${escapeHtml(c.shift_start)}–${escapeHtml(c.shift_end)}</td><td class="on-day" style="white-space: nowrap">${onDay}</td>
        <td>${escapeHtml(t((d ? d.on_call : c.on_call) ? "yes" : "no"))}</td></tr>`;
    }).join("")}</tbody></table>`;
  for (const row of document.querySelectorAll("#crews-table tr[data-crew]")) {
    row.addEventListener("click", () => choose(row.dataset.crew));
  }
  const fresh = $("#crew-new-skills"); // in the reader's language, what was ticked kept
  fresh.innerHTML = skillBoxes([...fresh.querySelectorAll("input:checked")].map((x) => x.value));
  const select = $("#crew-form select[name=crew]");
  select.innerHTML = crews.map((c) => `<option value="${escapeHtml(c.id)}">${escapeHtml(c.id)}</option>`).join("");
  if (!chosen || !crews.some((c) => c.id === chosen)) chosen = crews[0]?.id || null;
  if (chosen) await fill(crews.find((c) => c.id === chosen), mine);
}

function awayBadges(d) {
  return (d.away || []).map(([from, to]) => ` <span class="badge late" data-away="${escapeHtml(from)}">${escapeHtml(t("crew_away_hours", { from, to }))}</span>`).join("");
}

function skillBoxes(chosenSkills) {
  return `<legend>${escapeHtml(t("crew_skills"))}</legend>` + SKILLS.map((s) =>
    `<label class="check"><input type="checkbox" name="skill" value="${s}" ${chosenSkills.includes(s) ? "checked" : ""}> ${escapeHtml(code("skill", s))}</label>`).join(" ");
}

async function choose(id) {
  chosen = id;
  await loadCrews();
}

async function fill(crew, mine) {
  const f = $("#crew-form");
  f.crew.value = crew.id;
  const [changes, absences] = await Promise.all([
    api("GET", `/api/crews/${encodeURIComponent(crew.id)}/shifts?from=${day()}&to=${day()}`),
    api("GET", `/api/crews/${encodeURIComponent(crew.id)}/absences?from=${day()}`),
  ]).catch(() => [[], []]);
  if (mine !== generation) return; // a newer load fills the form
  $("#crew-skills").innerHTML = skillBoxes(crew.skills);
  const n = $("#crew-new-form");
  if (!n.lon.value && !n.lat.value) [n.lon.value, n.lat.value] = crew.depot; // the depot nearest to hand
  f.shift_start.value = crew.shift_start;
  f.shift_end.value = crew.shift_end;
  f.on_call.checked = crew.on_call;
  f.active.checked = crew.active;
  f.dataset.version = crew.version;
  const change = changes[0];
  const g = $("#crew-day-form");
  g.start.value = change?.start || "";
  g.end.value = change?.end || "";
  g.on_call.value = change && change.on_call !== null ? String(change.on_call) : "";
  g.note.value = change?.note || "";
  $("#crew-day-clear").hidden = !change;
  const a = $("#absence-form");
  if (!a.start.value) a.start.value = day();
  $("#absence-list").innerHTML = absences.length
    ? absences.map((x) => `<li data-absence="${x.id}"><span class="badge late">${escapeHtml(code("absence", x.reason))}</span>
        ${escapeHtml(x.start)}${x.end !== x.start ? ` – ${escapeHtml(x.end)}` : ""}${x.start_time ? ` ${escapeHtml(x.start_time)}–${escapeHtml(x.end_time)}` : ""} ${escapeHtml(x.note)}
        <button type="button" class="needs-dispatcher remove-absence" data-id="${x.id}">${escapeHtml(t("absence_remove"))}</button></li>`).join("")
    : `<li class="help">${escapeHtml(t("absence_none"))}</li>`;
  // the crew's day is shown once its change and absences are read (what a click waits for)
  $("#crew-day-title").textContent = t("crew_day_shift", { crew: crew.id, day: day() });
  for (const b of document.querySelectorAll("#absence-list .remove-absence")) {
    b.addEventListener("click", async () => {
      const done = await busy(() => api("DELETE", `/api/crews/${encodeURIComponent(chosen)}/absences/${b.dataset.id}`));
      if (done !== undefined) { await loadCrews(); say(t("absence_removed"), "ok"); }
    });
  }
}

export function wireCrews() {
  $("#crews-day").addEventListener("change", () => {
    $("#absence-form").start.value = day();
    loadCrews();
  });
  $("#crew-form select[name=crew]").addEventListener("change", (e) => choose(e.target.value));
  $("#crew-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const crew = state.crews.find((c) => c.id === chosen) || (await api("GET", `/api/crews/${encodeURIComponent(chosen)}`));
    const body = {
      ...crew,
      skills: [...f.querySelectorAll("input[name=skill]:checked")].map((x) => x.value),
      shift_start: clock24(f.shift_start.value),
      shift_end: clock24(f.shift_end.value),
      on_call: f.on_call.checked,
      active: f.active.checked,
    };
    delete body.id;
    delete body.version;
    const saved = await busy(() => api("PUT", `/api/crews/${encodeURIComponent(chosen)}`, body, { version: f.dataset.version }));
    if (saved) { await loadCrews(); say(t("crew_saved", { crew: chosen }), "ok"); }
  });
  $("#crew-day-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const g = e.target;
    const body = {
      start: clock24(g.start.value),
      end: clock24(g.end.value),
      on_call: g.on_call.value === "" ? null : g.on_call.value === "true",
      note: g.note.value.trim(),
    };
    const saved = await busy(() => api("PUT", `/api/crews/${encodeURIComponent(chosen)}/shifts/${day()}`, body));
    if (saved) { await loadCrews(); say(t("crew_day_saved", { crew: chosen, day: day() }), "ok"); }
  });
  $("#crew-day-clear").addEventListener("click", async () => {
    const done = await busy(() => api("DELETE", `/api/crews/${encodeURIComponent(chosen)}/shifts/${day()}`));
    if (done !== undefined) await loadCrews();
  });
  $("#absence-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const a = e.target;
    const body = {
      start: a.start.value,
      end: a.end.value || null,
      start_time: clock24(a.start_time.value),
      end_time: clock24(a.end_time.value),
      reason: a.reason.value,
      note: a.note.value.trim(),
    };
    const saved = await busy(() => api("POST", `/api/crews/${encodeURIComponent(chosen)}/absences`, body));
    if (saved) {
      a.end.value = "";
      a.start_time.value = "";
      a.end_time.value = "";
      a.note.value = "";
      await loadCrews();
      say(t("absence_added", { crew: chosen }), "ok");
    }
  });
  $("#crew-new-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const n = e.target;
    // the shift left empty is the roster's default (the service's, ops.dispatch.CrewShift)
    const body = {
      id: n.id.value.trim(),
      skills: [...n.querySelectorAll("input[name=skill]:checked")].map((x) => x.value),
      depot: [Number(n.lon.value), Number(n.lat.value)],
      on_call: n.on_call.checked,
      ...(n.shift_start.value ? { shift_start: clock24(n.shift_start.value) } : {}),
      ...(n.shift_end.value ? { shift_end: clock24(n.shift_end.value) } : {}),
    };
    const added = await busy(() => api("POST", "/api/crews", body));
    if (added) {
      n.id.value = "";
      for (const box of n.querySelectorAll("input[type=checkbox]")) box.checked = false;
      chosen = added.id;
      await loadCrews();
      say(t("crew_added", { crew: added.id }), "ok");
    }
  });
}
