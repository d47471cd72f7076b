// The day plan tab (日计划): planning a day, following the solve, the routes on the map, the
// timeline of each crew, publishing, the job sheets (CSV, Excel, print).
/* global L */
import { api, download } from "../api.js";
import { code, escapeHtml, message, shortTime, t } from "../i18n.js";
import { ROUTE_COLOURS } from "../map.js";
import { calendarBadge, kaifengDate } from "./format.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";

let shown = null; // the plan shown
let jobs = new Map(); // every job by id: where a stop is, what a job sheet says
let polling = null; // the id of the plan being solved and followed

export const planTab = {
  show() {
    loadPlans();
  },
  rerender() {
    if (shown) renderPlan(shown);
  },
  // the timeline is under the map, shown with this tab only
  tabChanged(name) {
    $("#timeline").hidden = name !== "plan" || !shown?.result;
  },
};

function tomorrow() { return kaifengDate(1); }

export function wirePlan() {
  const form = $("#plan-form");
  form.day.value = tomorrow();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { day: form.day.value, seconds: Number(form.seconds.value) || undefined };
    const plan = await busy(() => api("POST", "/api/plans", body));
    if (plan) { await loadPlans(plan.id); follow(plan.id); }
  });
  $("#plan-stop").addEventListener("click", () => {
    if (polling) api("POST", `/api/plans/${polling}/stop`).catch(() => {});
  });
  $("#plan-select").addEventListener("change", (e) => openPlan(Number(e.target.value)));
}

export async function loadPlans(select) {
  const plans = await api("GET", "/api/plans").catch(() => []);
  const sel = $("#plan-select");
  sel.innerHTML = plans.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(t("plan_n", { id: p.id, day: p.day, status: p.status }))}</option>`).join("");
  const want = select ?? shown?.id ?? plans[0]?.id;
  if (want) { sel.value = String(want); if (!shown || shown.id !== want) await openPlan(want); }
  else $("#plan-result").textContent = t("no_plan");
}

async function openPlan(id) {
  const plan = await busy(() => api("GET", `/api/plans/${id}`));
  if (!plan) return;
  if (plan.status === "queued" || plan.status === "solving") { follow(id); return; }
  await showPlan(plan);
}

async function showPlan(plan) {
  const all = await api("GET", "/api/jobs?limit=5000");
  jobs = new Map(all.map((j) => [j.id, j]));
  shown = plan;
  renderPlan(plan);
}

export function follow(id) {
  polling = id;
  const bar = $("#plan-progress");
  bar.hidden = false; $("#plan-stop").hidden = false;
  bar.removeAttribute("value");
  const tick = async () => {
    if (polling !== id) return;
    let plan;
    try { plan = await api("GET", `/api/plans/${id}`); } catch (err) { say(err.message, "error"); return; }
    const p = plan.progress || {};
    if (p.seconds) { bar.max = p.seconds; bar.value = Math.min(p.elapsed || 0, p.seconds); }
    say(`${t("solving")} ${p.solutions ?? 0} · ${p.elapsed ?? 0} s`);
    if (plan.status === "queued" || plan.status === "solving") { setTimeout(tick, 600); return; }
    polling = null; bar.hidden = true; $("#plan-stop").hidden = true;
    say(plan.error ? `${t("error")}: ${plan.error}` : "", plan.error ? "error" : "");
    await showPlan(plan);
    await loadPlans(id);
  };
  tick();
}

function crewColour(index) { return ROUTE_COLOURS[index % ROUTE_COLOURS.length]; }

function jobLocation(jobId) {
  const job = jobs.get(jobId);
  return job && job.location ? [job.location[1], job.location[0]] : null;
}

// A stop's job as the dispatcher reads it: the second crew of a two-crew job says so (the stop's
// slot; older plans have none and are read as the first crew).
function stopName(st) {
  return (st.slot || 1) > 1 ? `${st.job} · ${t("second_crew")}` : st.job;
}

function renderPlan(plan) {
  const result = plan.result;
  const overlay = state.planOverlay;
  overlay.clearLayers();
  if (!result) { $("#plan-result").innerHTML = `<p>${escapeHtml(plan.status)} ${escapeHtml(plan.error || "")}</p>`; $("#timeline").hidden = true; return; }
  const s = result.summary;
  const depotOf = new Map(state.crews.map((c) => [c.id, [c.depot[1], c.depot[0]]]));
  const used = result.routes.filter((r) => r.stops.length);
  const bounds = L.latLngBounds([]);
  used.forEach((route, i) => {
    const colour = crewColour(i);
    const depot = depotOf.get(route.crew);
    // the road path when the plan has one (roads layer), else straight legs between stops
    const points = route.geometry
      ? route.geometry.coordinates.map(([lon, lat]) => [lat, lon])
      : [depot, ...route.stops.map((st) => jobLocation(st.job)), depot].filter(Boolean);
    L.polyline(points, { renderer: state.work, color: "#fff", weight: 7, opacity: 0.9, interactive: false }).addTo(overlay);
    L.polyline(points, { renderer: state.work, color: colour, weight: 4, opacity: 0.95 }).bindTooltip(escapeHtml(route.crew), { sticky: true }).addTo(overlay);
    route.stops.forEach((st, k) => {
      const at = jobLocation(st.job);
      if (!at) return;
      L.circleMarker(at, { renderer: state.work, radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1 })
        .bindTooltip(`${escapeHtml(route.crew)} #${k + 1} · ${escapeHtml(stopName(st))} · ${escapeHtml(code("kind", st.kind))} · ${shortTime(st.start)}–${shortTime(st.end)}`)
        .addTo(overlay);
      bounds.extend(at);
    });
  });
  if (bounds.isValid() && state.tab === "plan") state.map.fitBounds(bounds.pad(0.1));
  const legend = used.map((r, i) => `<tr><td><span class="swatch" style="background:${crewColour(i)}"></span>${escapeHtml(r.crew)}</td>
      <td class="num">${r.stops.length}</td><td>${shortTime(r.depart).slice(6)}–${shortTime(r.arrive).slice(6)}</td>
      <td class="num">${(r.distance_m / 1000).toFixed(1)}</td></tr>`).join("");
  const unplaced = result.unassigned.length
    ? `<h4>${t("unplaced")} (${result.unassigned.length})</h4><ul class="unplaced">${result.unassigned.map((u) =>
      `<li><code>${escapeHtml(u.job)}</code> — ${escapeHtml(code("reason", u.reason))}${u.detail ? `: ${escapeHtml(message(u.detail_key, u.params, u.detail))}` : ""}</li>`).join("")}</ul>` : "";
  const risk = result.at_risk.length
    ? `<h4>${t("at_risk")} (${result.at_risk.length})</h4><ul class="at-risk">${result.at_risk.map((a) =>
      `<li><code>${escapeHtml(a.job)}</code> ${escapeHtml(code("reason", a.reason))} · ${t("deadline")} ${shortTime(a.deadline)}${a.detail ? ` — ${escapeHtml(message(a.detail_key, a.params, a.detail))}` : ""}</li>`).join("")}</ul>` : "";
  const moved = result.moved && result.moved.length
    ? `<h4>${t("moved")} (${result.moved.length})</h4><ul class="moved">${result.moved.map((m) => `<li>${movedLine(m)}</li>`).join("")}</ul>` : "";
  const suspended = result.suspended && result.suspended.length
    ? `<h4>${t("suspended")} (${result.suspended.length})</h4><ul class="suspended">${result.suspended.map((x) =>
      `<li><code>${escapeHtml(x.job)}</code> ${escapeHtml(t("suspended_line", { crew: x.crew, leave: shortTime(x.leave), why: x.why, rest: x.rest, minutes: x.rest_minutes }))}</li>`).join("")}</ul>` : "";
  const published = plan.status === "published";
  $("#plan-result").dataset.plan = String(plan.id);
  $("#plan-result").innerHTML = `
    <div class="summary" id="plan-summary">
      <div><span class="big">${s.jobs_planned}</span> ${t("jobs_planned")} · ${s.jobs_unassigned} ${t("jobs_unassigned")} · ${s.late} ${t("late")}</div>
      <div>${s.distance_km} ${t("travel_km")} · ${t("utilisation")} ${Math.round(s.utilisation * 100)} %</div>
      ${calendarBadge(result.calendar) ? `<div id="plan-calendar">${calendarBadge(result.calendar)} ${escapeHtml(t("provisional_hint", { years: result.calendar.provisional_years.join(", ") }))}</div>` : ""}
    </div>
    <table class="data" id="routes-table"><thead><tr><th>${t("crew")}</th><th class="num">${t("stops")}</th><th></th><th class="num">km</th></tr></thead><tbody>${legend}</tbody></table>
    ${unplaced}${risk}${moved}${suspended}
    <div class="row">
      ${published ? `<span class="badge ok">${t("published")}</span>` : `<button type="button" id="plan-publish" class="primary needs-dispatcher">${t("publish_plan")}</button>`}
      <button type="button" id="sheets-csv">${t("export_csv")}</button>
      <button type="button" id="sheets-xlsx">${t("export_xlsx")}</button>
      <button type="button" id="sheets-print">${t("print_sheets")}</button>
    </div>`;
  $("#plan-publish")?.addEventListener("click", async () => {
    const done = await busy(() => api("POST", `/api/plans/${plan.id}/publish`, {}, { version: plan.version }));
    if (done) { await openPlan(plan.id); await loadPlans(plan.id); }
  });
  $("#sheets-csv").addEventListener("click", () => busy(() => download(`/api/plans/${plan.id}/sheets.csv`, `plan-${plan.id}-${plan.day}.csv`)));
  $("#sheets-xlsx").addEventListener("click", () => busy(() => download(`/api/plans/${plan.id}/sheets.xlsx`, `plan-${plan.id}-${plan.day}.xlsx`)));
  $("#sheets-print").addEventListener("click", () => { renderSheets(plan); window.print(); });
  renderTimeline(plan, used);
}

function minutes(iso) {
  const m = /T(\d{2}):(\d{2})/.exec(iso || "");
  const day = iso ? iso.slice(0, 10) : "";
  return m ? Number(m[1]) * 60 + Number(m[2]) + (day > (shown?.day || day) ? 1440 : 0) : 0;
}

function renderTimeline(plan, routes) {
  const el = $("#timeline");
  if (!routes.length) { el.hidden = true; return; }
  let lo = Math.min(...routes.map((r) => minutes(r.depart)));
  let hi = Math.max(...routes.map((r) => minutes(r.arrive)));
  lo = Math.floor(lo / 60) * 60; hi = Math.ceil(hi / 60) * 60;
  const span = Math.max(hi - lo, 60);
  const x = (iso) => `${((minutes(iso) - lo) / span) * 100}%`;
  const w = (a, b) => `${(Math.max(minutes(b) - minutes(a), 1) / span) * 100}%`;
  const risky = new Set(plan.result.at_risk.map((a) => a.job));
  const hours = [];
  for (let m = lo; m <= hi; m += 60) hours.push(`<span class="hour" style="left:${((m - lo) / span) * 100}%">${String(Math.floor(m / 60) % 24).padStart(2, "0")}:00</span>`);
  const rows = routes.map((r, i) => {
    const colour = crewColour(i);
    const bars = r.stops.map((st) => {
      const travelStart = new Date(Date.parse(`${st.arrival}:00`) - st.travel * 1000);
      const late = st.deadline_status && st.deadline_status !== "on_time";
      const travel = st.travel > 60 ? `<div class="bar travel" style="left:${x(isoMinute(travelStart))};width:${w(isoMinute(travelStart), st.arrival)}"></div>` : "";
      return `${travel}<div class="bar job${late || risky.has(st.job) ? " late" : ""}" style="left:${x(st.start)};width:${w(st.start, st.end)};background:${colour}"
        title="${escapeHtml(stopName(st))} · ${escapeHtml(code("kind", st.kind))} · ${shortTime(st.start)}–${shortTime(st.end)}${late ? ` · ${escapeHtml(st.deadline_status)}` : ""}"></div>`;
    }).join("");
    const breaks = r.breaks.map((b) => `<div class="bar break" style="left:${x(b.start)};width:${w(b.start, b.end)}" title="${t("break")} ${shortTime(b.start)}–${shortTime(b.end)}"></div>`).join("");
    return `<div class="lane"><div class="lane-name"><span class="swatch" style="background:${colour}"></span>${escapeHtml(r.crew)}</div>
      <div class="track">${breaks}${bars}</div></div>`;
  }).join("");
  el.innerHTML = `<div class="lane head"><div class="lane-name">${t("timeline")} ${escapeHtml(plan.day)}</div><div class="track scale">${hours.join("")}</div></div>${rows}`;
  el.hidden = state.tab !== "plan";
}

function isoMinute(date) {
  // a Date of Kaifeng wall time parsed as local → back to "YYYY-MM-DDTHH:MM" of the same wall time
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function renderSheets(plan) {
  const routes = plan.result.routes.filter((r) => r.stops.length);
  $("#sheets").innerHTML = routes.map((r) => `<section class="sheet"><h2>${escapeHtml(r.crew)} · ${escapeHtml(plan.day)}</h2>
    <table class="data"><thead><tr><th>#</th><th>${t("job")}</th><th>${t("kind")}</th><th>${t("start")}</th><th>${t("end")}</th><th>${t("description")}</th></tr></thead><tbody>
    ${r.stops.map((st, k) => { const job = jobs.get(st.job) || {}; return `<tr><td>${k + 1}</td><td>${escapeHtml(stopName(st))}</td><td>${escapeHtml(code("kind", st.kind))}</td>
      <td>${shortTime(st.start)}</td><td>${shortTime(st.end)}</td><td>${escapeHtml(job.description || "")} ${job.location ? `(${job.location[0].toFixed(5)}, ${job.location[1].toFixed(5)})` : ""}</td></tr>`; }).join("")}
    </tbody></table></section>`).join("");
}

// a published job the re-plan gave another crew or time: job, crew and start from -> to
function movedLine(m) {
  if (typeof m === "string") return escapeHtml(m);
  const from = `${escapeHtml(m.from.crew)} ${shortTime(m.from.start)}`;
  const to = m.to ? `${escapeHtml(m.to.crew)} ${shortTime(m.to.start)}` : escapeHtml(t("left_out"));
  const why = m.why ? ` · ${escapeHtml(t("yields_to", { why: m.why }))}` : "";
  return `<code>${escapeHtml(m.job)}</code> ${from} → ${to}${why}`;
}

