// The day plan tab (日计划): planning a day, following the solve, the routes on the map, the
// timeline of each crew, publishing, the job sheets (CSV, Excel, print).
/* global L */
import { api, download } from "../api.js";
import { code, escapeHtml, jobText, message, shortTime, t } from "../i18n.js";
import { ROUTE_COLOURS, nearestLine } from "../map.js";
import { calendarBadge, clock24, clockAttrs, kaifengDate } from "./format.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";

let shown = null; // the plan shown
let jobs = new Map(); // every job by id: where a stop is, what a job sheet says
let polling = null; // the id of the plan being solved and followed
let planBounds = null; // the routes' bounds, framed when the tab shows them
let onPlan = false; // this tab is shown
let routesOn = true; // the routes are on the map with this tab (the layer control's)
// steering (ops.steering): what dispatchers fixed in the plan shown, the job selected on the
// timeline, the timeline's zoom (pixels per hour), and the plan compared with
let steering = null;
let selected = null;
let zoom = 64;
let diff = null;
const ZOOMS = [32, 48, 64, 96, 144, 216];
// small icons drawn inline (the fonts of a depot's PC or a phone may have no emoji)
const PIN = '<svg class="icon" viewBox="0 0 12 12" width="9" height="9" aria-hidden="true"><circle cx="6" cy="4" r="3.2" fill="currentColor"/><path d="M6 7v5" stroke="currentColor" stroke-width="1.6"/></svg>';
const LOCKED = '<svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><rect x="3" y="7" width="10" height="8" rx="1" fill="currentColor"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>';
const UNLOCKED = '<svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><rect x="3" y="7" width="10" height="8" rx="1" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M5 7V4.5a3 3 0 0 1 5.8-1" fill="none" stroke="currentColor" stroke-width="1.4"/></svg>';

export const planTab = {
  show() {
    loadPlans();
  },
  rerender() {
    if (shown) renderPlan(shown);
  },
  // the timeline is under the map and the routes on it, shown with this tab only (the routes
  // as the layer control left them)
  tabChanged(name) {
    $("#timeline").hidden = name !== "plan" || !shown?.result;
    const map = state.map;
    if (!map || !state.planOverlay) return;
    if (name === "plan" && !onPlan) {
      if (routesOn) map.addLayer(state.planOverlay);
      setTimeout(fitPlan, 0);
    } else if (name !== "plan" && map.hasLayer(state.planOverlay)) {
      if (onPlan) routesOn = true;
      map.removeLayer(state.planOverlay);
    } else if (name !== "plan" && onPlan) routesOn = false; // switched off on this tab
    onPlan = name === "plan";
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
  sel.innerHTML = plans.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(t("plan_n", { id: p.id, day: p.day, status: code("plan", p.status) }))}</option>`).join("");
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
  if (shown?.id !== plan.id) { selected = null; diff = null; }
  shown = plan;
  steering = plan.result ? await api("GET", `/api/plans/${plan.id}/steering`).catch(() => null) : null;
  const base = steering?.steered_from ?? plan.parent;
  if (plan.result && base && !diff) await loadDiff(base);
  renderPlan(plan);
}

async function loadDiff(from) {
  diff = await api("GET", `/api/plans/${from}/diff/${shown.id}`).catch(() => null);
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
    // on this tab only (another user's plan may be solving), saying whose plan it is
    const line = $("#plan-solving");
    line.className = "status";
    line.textContent = t("solving_plan", { id, by: plan.created_by ?? "", solutions: p.solutions ?? 0, seconds: p.elapsed ?? 0 });
    if (plan.status === "queued" || plan.status === "solving") { setTimeout(tick, 600); return; }
    polling = null; bar.hidden = true; $("#plan-stop").hidden = true;
    line.textContent = plan.error ? `${t("error")}: ${plan.error}` : "";
    line.className = plan.error ? "status error" : "status";
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
  if (!result) { $("#plan-result").innerHTML = `<p>${escapeHtml(code("plan", plan.status))} ${escapeHtml(plan.error || "")}</p>`; $("#timeline").hidden = true; return; }
  const s = result.summary;
  const depotOf = new Map(state.crews.map((c) => [c.id, [c.depot[1], c.depot[0]]]));
  const used = result.routes.filter((r) => r.stops.length);
  const bounds = L.latLngBounds([]);
  const routeLines = new Map(); // crew -> its line on the map, where a job's marker is dropped
  const editable = canSteer(plan);
  used.forEach((route, i) => {
    const colour = crewColour(i);
    const depot = depotOf.get(route.crew);
    // the road path when the plan has one (roads layer), else straight legs between stops
    const points = route.geometry
      ? route.geometry.coordinates.map(([lon, lat]) => [lat, lon])
      : [depot, ...route.stops.map((st) => jobLocation(st.job)), depot].filter(Boolean);
    L.polyline(points, { renderer: state.work, color: "#fff", weight: 7, opacity: 0.9, interactive: false }).addTo(overlay);
    const line = L.polyline(points, { renderer: state.work, color: colour, weight: 4, opacity: 0.95 }).bindTooltip(escapeHtml(route.crew), { sticky: true });
    tagged(line, { crew: route.crew }).addTo(overlay);
    routeLines.set(route.crew, line);
    route.stops.forEach((st, k) => {
      const at = jobLocation(st.job);
      if (!at) return;
      const marker = L.circleMarker(at, { renderer: state.work, radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 1 })
        .bindTooltip(`${escapeHtml(route.crew)} #${k + 1} · ${escapeHtml(stopName(st))} · ${escapeHtml(code("kind", st.kind))} · ${shortTime(st.start)}–${shortTime(st.end)}`);
      tagged(marker, { crew: route.crew, job: st.job }).addTo(overlay);
      if (editable && (st.slot || 1) === 1) steerOnMap(plan, marker, st, route.crew, routeLines);
      bounds.extend(at);
    });
  });
  planBounds = bounds.isValid() ? bounds.pad(0.1) : null;
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
  // what to know before trusting the plan (ops.plan_warnings): made late in its day, the roster
  // changed under its routes (then a new plan of the day with the crews as they are now)
  const said = plan.warnings || [];
  const roster = said.some((w) => w.code.startsWith("roster_"));
  const warnings = said.length
    ? `<div class="warn plan-warnings" id="plan-warnings" role="alert"><h4>${t("plan_warnings")}</h4><ul>${said.map((w) =>
      `<li data-code="${escapeHtml(w.code)}">${escapeHtml(warningText(w))}</li>`).join("")}</ul>${roster
      ? `<button type="button" id="plan-replan-roster" class="primary needs-dispatcher">${t("plan_replan_roster")}</button>` : ""}</div>` : "";
  $("#plan-result").dataset.plan = String(plan.id);
  $("#plan-result").innerHTML = `
    <div class="summary" id="plan-summary">
      <div><span class="big">${s.jobs_planned}</span> ${t("jobs_planned")} · ${s.jobs_unassigned} ${t("jobs_unassigned")} · ${s.late} ${t("late")}</div>
      <div>${s.distance_km} ${t("travel_km")} · ${t("utilisation")} ${Math.round(s.utilisation * 100)} %</div>
      ${calendarBadge(result.calendar) ? `<div id="plan-calendar">${calendarBadge(result.calendar)} ${escapeHtml(t("provisional_hint", { years: result.calendar.provisional_years.join(", ") }))}</div>` : ""}
    </div>
    ${warnings}
    <table class="data" id="routes-table"><thead><tr><th>${t("crew")}</th><th class="num">${t("stops")}</th><th></th><th class="num">km</th></tr></thead><tbody>${legend}</tbody></table>
    ${unplaced}${risk}${moved}${suspended}
    ${steerPanel(plan)}
    ${diffPanel()}
    <div class="row">
      ${published ? `<span class="badge ok">${t("published")}</span>` : `<button type="button" id="plan-publish" class="primary needs-dispatcher"${steering?.pending ? " disabled" : ""}>${t("publish_plan")}</button>`}
      <button type="button" id="sheets-csv">${t("export_csv")}</button>
      <button type="button" id="sheets-xlsx">${t("export_xlsx")}</button>
      <button type="button" id="sheets-print">${t("print_sheets")}</button>
    </div>`;
  $("#plan-publish")?.addEventListener("click", async () => {
    const done = await busy(() => api("POST", `/api/plans/${plan.id}/publish`, {}, { version: plan.version }));
    if (done) { await openPlan(plan.id); await loadPlans(plan.id); }
  });
  $("#plan-replan-roster")?.addEventListener("click", async () => {
    const next = await busy(() => api("POST", "/api/plans", { day: plan.day }));
    if (next) { await loadPlans(next.id); follow(next.id); }
  });
  $("#sheets-csv").addEventListener("click", () => busy(() => download(`/api/plans/${plan.id}/sheets.csv`, `plan-${plan.id}-${plan.day}.csv`)));
  $("#sheets-xlsx").addEventListener("click", () => busy(() => download(`/api/plans/${plan.id}/sheets.xlsx`, `plan-${plan.id}-${plan.day}.xlsx`)));
  $("#sheets-print").addEventListener("click", () => { renderSheets(plan); window.print(); });
  wireSteering(plan);
  renderTimeline(plan, used);
  fitPlan();
}

// a plan's warning in the page's language by its code, else the service's English
function warningText(w) {
  const key = `planwarn:${w.code}`;
  const words = t(key, w.params);
  return words === key ? w.text : words;
}

// the plan's routes framed on the map once the timeline under it is shown (the map is then
// shorter: measured again), clear of the legend and the live panel at the map's foot
function fitPlan() {
  const map = state.map;
  if (!planBounds || state.tab !== "plan" || !map) return;
  map.invalidateSize({ pan: false });
  const height = map.getSize().y;
  const over = [".leaflet-bottom.leaflet-left .legend", "#live:not([hidden])"]
    .map((s) => document.querySelector(s)?.getBoundingClientRect().height || 0);
  const foot = Math.min(Math.max(...over) + 12, height * 0.45);
  map.fitBounds(planBounds, { paddingTopLeft: [12, 12], paddingBottomRight: [12, foot] });
}

// a layer of the plan on the map, its element tagged with its crew (and job), whenever drawn
function tagged(layer, tags) {
  layer.on("add", () => {
    const el = layer.getElement();
    for (const [k, v] of Object.entries(tags)) el?.setAttribute(`data-${k}`, v);
  });
  return layer;
}

// The crews a job can be moved to from the map: the plan's others that have its skills and
// whose routes are not locked
function crewsFor(plan, jobId, crew) {
  const need = jobs.get(jobId)?.skills || [];
  const skills = new Map(state.crews.map((c) => [c.id, c.skills || []]));
  const now = steering.pins[jobId]?.crew || crew;
  return [...new Set(plan.result.routes.map((r) => r.crew))]
    .filter((c) => c !== now && !(c in steering.locks) && need.every((s) => skills.get(c)?.includes(s)));
}

// Issue 18 item 1 on the map: a job's marker dropped on another crew's route (or one of its
// stops), or a crew chosen in the marker's popup, moves the job there: the timeline's move
function steerOnMap(plan, marker, st, crew, routeLines) {
  if (Object.values(steering.locks).some((js) => js.includes(st.job))) return;
  const targets = crewsFor(plan, st.job, crew);
  if (!targets.length) return;
  const move = (to) => {
    if (!targets.includes(to)) return;
    selected = st.job;
    steer({ action: "move", job: st.job, crew: to, why: $("#steer-why")?.value || "" });
  };
  marker.bindPopup(`<div class="stop-popup" data-job="${escapeHtml(st.job)}"><strong>${escapeHtml(stopName(st))}</strong> · ${escapeHtml(code("kind", st.kind))}<br>
    ${escapeHtml(crew)} ${shortTime(st.start)}–${shortTime(st.end).slice(6)}
    <div class="row"><label><span>${t("steer_move_to")}</span> <select class="map-move-crew">${targets.map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(c)}</option>`).join("")}</select></label>
    <button type="button" class="map-move">${escapeHtml(t("steer:move"))}</button></div></div>`);
  marker.on("popupopen", (e) => {
    const el = e.popup.getElement();
    el.querySelector(".map-move").addEventListener("click", () => { state.map.closePopup(); move(el.querySelector(".map-move-crew").value); });
  });
  // a drag: the marker follows the pointer (the map does not pan meanwhile); a press without
  // a move is a click, which opens the popup
  marker.on("mousedown", (e) => {
    if (e.originalEvent.button !== 0) return;
    const map = state.map;
    const home = marker.getLatLng();
    const from = e.containerPoint;
    let dragged = false;
    map.dragging.disable();
    const follow = (ev) => {
      const p = map.mouseEventToContainerPoint(ev);
      if (!dragged && p.distanceTo(from) < 5) return;
      dragged = true;
      marker.getElement()?.style.setProperty("pointer-events", "none");
      marker.setLatLng(map.containerPointToLatLng(p));
    };
    const drop = (ev) => {
      document.removeEventListener("mousemove", follow);
      document.removeEventListener("mouseup", drop);
      map.dragging.enable();
      marker.setLatLng(home);
      marker.getElement()?.style.removeProperty("pointer-events");
      if (!dragged) return;
      const to = crewAt(ev);
      if (to) move(to);
    };
    document.addEventListener("mousemove", follow);
    document.addEventListener("mouseup", drop);
  });
  // the crew under a point of the map: a stop or route of its, else the route line nearest
  const crewAt = (ev) => {
    const map = state.map;
    const under = document.elementFromPoint(ev.clientX, ev.clientY)?.closest?.("[data-crew]");
    const onMap = under && map.getContainer().contains(under);
    return onMap ? under.getAttribute("data-crew") : nearestLine(map, map.mouseEventToContainerPoint(ev), routeLines);
  };
  // a finger: a long press picks the marker up (the map stops panning), it follows the finger,
  // and let go on another crew's route it moves the job, as the mouse's drop; a tap opens the
  // popup as before, a finger that moves sooner pans the map
  const fingers = (el) => el?.addEventListener("pointerdown", (down) => {
    if (down.pointerType === "mouse" || !down.isPrimary) return;
    const map = state.map;
    const home = marker.getLatLng();
    const id = down.pointerId;
    let carried = false;
    const timer = setTimeout(() => {
      carried = true;
      map.dragging.disable();
      el.style.setProperty("pointer-events", "none");
      navigator.vibrate?.(15);
    }, LONG_PRESS_MS);
    const guard = (e) => { if (carried) e.preventDefault(); };
    const follow = (ev) => {
      if (ev.pointerId !== id) return;
      if (!carried) {
        if (Math.hypot(ev.clientX - down.clientX, ev.clientY - down.clientY) > SLOP_PX) end();
        return;
      }
      marker.setLatLng(map.mouseEventToLatLng(ev));
    };
    const end = () => {
      clearTimeout(timer);
      document.removeEventListener("pointermove", follow);
      document.removeEventListener("pointerup", up);
      document.removeEventListener("pointercancel", up);
      map.getContainer().removeEventListener("touchmove", guard);
      if (carried) { map.dragging.enable(); marker.setLatLng(home); el.style.removeProperty("pointer-events"); }
    };
    const up = (ev) => {
      if (ev.pointerId !== id) return;
      const was = carried && ev.type === "pointerup";
      end();
      if (!was) return;
      state.map.closePopup();
      const to = crewAt(ev);
      if (to) move(to);
    };
    map.getContainer().addEventListener("touchmove", guard, { passive: false });
    document.addEventListener("pointermove", follow);
    document.addEventListener("pointerup", up);
    document.addEventListener("pointercancel", up);
  });
  // its element is made when the marker is drawn (again after a layer is shown again)
  marker.on("add", () => fingers(marker.getElement()));
  if (marker.getElement()) fingers(marker.getElement());
}

function minutes(iso) {
  const m = /T(\d{2}):(\d{2})/.exec(iso || "");
  const day = iso ? iso.slice(0, 10) : "";
  return m ? Number(m[1]) * 60 + Number(m[2]) + (day > (shown?.day || day) ? 1440 : 0) : 0;
}

function renderTimeline(plan, routes) {
  const el = $("#timeline");
  if (!routes.length) { el.hidden = true; return; }
  const editable = canSteer(plan);
  // the crews with work, then (to drag a job to) the plan's crews without any
  const busyCrews = [...new Set(routes.map((r) => r.crew))];
  const idle = editable ? [...new Set(plan.result.routes.map((r) => r.crew))].filter((c) => !busyCrews.includes(c)) : [];
  const lanes = [...busyCrews, ...idle];
  let lo = Math.min(...routes.map((r) => minutes(r.depart)));
  let hi = Math.max(...routes.map((r) => minutes(r.arrive)));
  lo = Math.floor(lo / 60) * 60; hi = Math.ceil(hi / 60) * 60;
  const span = Math.max(hi - lo, 60);
  const x = (iso) => `${((minutes(iso) - lo) / span) * 100}%`;
  const w = (a, b) => `${(Math.max(minutes(b) - minutes(a), 1) / span) * 100}%`;
  const risky = new Set(plan.result.at_risk.map((a) => a.job));
  // hour ticks, every second hour when the zoom leaves too little room for a label
  const every = zoom < 48 ? 120 : 60;
  const hours = [];
  for (let m = lo; m <= hi; m += every) hours.push(`<span class="hour" style="left:${((m - lo) / span) * 100}%">${String(Math.floor(m / 60) % 24).padStart(2, "0")}:00</span>`);
  const ticks = [];
  for (let m = lo + 60; m < hi; m += 60) ticks.push(`<span class="tick" style="left:${((m - lo) / span) * 100}%"></span>`);
  const pins = steering?.pins || {};
  const locks = steering?.locks || {};
  const out = steering?.out || {};
  const colourOf = new Map(routes.map((r, i) => [r.crew, crewColour(i)]));
  const byCrew = new Map(plan.result.routes.map((r) => [r.crew, r]));
  const stopOf = new Map(plan.result.routes.flatMap((r) => r.stops.map((st) => [st.job, { ...st, crew: r.crew }])));
  const rows = lanes.map((crew) => {
    const r = byCrew.get(crew) || { stops: [], breaks: [] };
    const colour = colourOf.get(crew) || "#868e96";
    const locked = crew in locks;
    const bars = r.stops.map((st) => {
      const travelStart = new Date(Date.parse(`${st.arrival}:00`) - st.travel * 1000);
      const late = st.deadline_status === "late"; // a job without a deadline (no_deadline) is never late
      const pin = pins[st.job];
      const away = pin && pin.crew !== crew; // pinned elsewhere: moves on the next solve
      const gone = st.job in out;
      const drag = editable && !locked && (st.slot || 1) === 1 && !gone;
      const cls = `bar job${late || risky.has(st.job) ? " late" : ""}${pin && !away ? " pinned" : ""}${away || gone ? " leaving" : ""}${selected === st.job ? " selected" : ""}`;
      const travel = st.travel > 60 ? `<div class="bar travel" style="left:${x(isoMinute(travelStart))};width:${w(isoMinute(travelStart), st.arrival)}"></div>` : "";
      return `${travel}<div class="${cls}" data-job="${escapeHtml(st.job)}" data-crew="${escapeHtml(crew)}"${drag ? ' draggable="true"' : ""} style="left:${x(st.start)};width:${w(st.start, st.end)};background:${colour}"
        title="${escapeHtml(stopName(st))} · ${escapeHtml(code("kind", st.kind))} · ${shortTime(st.start)}–${shortTime(st.end)}${late ? ` · ${escapeHtml(code("deadline", st.deadline_status))}` : ""}${pin ? ` · ${escapeHtml(t("steer_pinned"))} ${escapeHtml(pin.crew)}` : ""}"><span class="bar-label">${pin ? `${PIN} ` : ""}${escapeHtml(barLabel(st))}</span></div>`;
    }).join("");
    // a job pinned to this crew and not yet on its route: where it goes on the next solve
    const coming = Object.entries(pins).filter(([job, p]) => p.crew === crew && stopOf.has(job) && stopOf.get(job).crew !== crew).map(([job, p]) => {
      const st = stopOf.get(job);
      const start = p.start || st.start;
      const end = isoMinute(new Date(Date.parse(`${start.slice(0, 16)}:00`) + (minutes(st.end) - minutes(st.start)) * 60000));
      return `<div class="bar job coming${selected === job ? " selected" : ""}" data-job="${escapeHtml(job)}" data-crew="${escapeHtml(crew)}" style="left:${x(start)};width:${w(start, end)}"
        title="${escapeHtml(job)} · ${escapeHtml(t("steer_coming"))}"><span class="bar-label">${PIN} ${escapeHtml(barLabel(st))}</span></div>`;
    }).join("");
    // an idle crew's lunch is no bar (it has nothing to plan around)
    const breaks = (idle.includes(crew) ? [] : r.breaks).map((b) => `<div class="bar break" style="left:${x(b.start)};width:${w(b.start, b.end)}" title="${t("break")} ${shortTime(b.start)}–${shortTime(b.end)}"></div>`).join("");
    const lock = editable
      ? `<button type="button" class="lane-lock${locked ? " on" : ""}" data-crew="${escapeHtml(crew)}" title="${escapeHtml(t(locked ? "steer_unlock" : "steer_lock"))}" aria-label="${escapeHtml(t(locked ? "steer_unlock" : "steer_lock"))} ${escapeHtml(crew)}">${locked ? LOCKED : UNLOCKED}</button>`
      : locked ? LOCKED : "";
    const kind = idle.includes(crew) ? "idle-lane" : "lane";
    return `<div class="${kind}${locked ? " locked" : ""}" data-crew="${escapeHtml(crew)}"><div class="lane-name">${lock}<span class="swatch" style="background:${colour}"></span>${escapeHtml(crew)}</div>
      <div class="track" data-crew="${escapeHtml(crew)}">${ticks.join("")}${breaks}${bars}${coming}</div></div>`;
  }).join("");
  const tools = `<span class="timeline-tools"><button type="button" id="zoom-out" title="${t("zoom_out")}" aria-label="${t("zoom_out")}">−</button><button type="button" id="zoom-in" title="${t("zoom_in")}" aria-label="${t("zoom_in")}">+</button></span>`;
  const width = 110 + (span / 60) * zoom;
  el.innerHTML = `<div class="timeline-bar">${t("timeline")} ${escapeHtml(plan.day)} ${tools}</div><div class="timeline-body" style="min-width:${width}px"><div class="lane head"><div class="lane-name"></div><div class="track scale">${hours.join("")}</div></div>${rows}</div>
    ${editable ? `<p class="help" id="timeline-help">${escapeHtml(t("steer_drag_help"))}</p>` : ""}`;
  el.hidden = state.tab !== "plan";
  $("#zoom-in").addEventListener("click", () => { zoom = ZOOMS[Math.min(ZOOMS.indexOf(zoom) + 1, ZOOMS.length - 1)]; renderTimeline(plan, routes); });
  $("#zoom-out").addEventListener("click", () => { zoom = ZOOMS[Math.max(ZOOMS.indexOf(zoom) - 1, 0)]; renderTimeline(plan, routes); });
  el.querySelectorAll(".bar.job[data-job]").forEach((bar) => {
    bar.addEventListener("click", () => { selected = bar.dataset.job; renderPlan(plan); });
    bar.addEventListener("dragstart", (e) => {
      if (carrying || bar.draggable === false) { e.preventDefault(); return; } // a finger's (touchDrag)
      e.dataTransfer.setData("text/plain", bar.dataset.job);
      e.dataTransfer.effectAllowed = "move";
    });
  });
  if (!editable) return;
  el.querySelectorAll(".lane-lock").forEach((b) => b.addEventListener("click", () => {
    const crew = b.dataset.crew;
    steer({ action: crew in locks ? "unlock" : "lock", crew });
  }));
  // a job dropped on a crew's row (by mouse, or carried there by a finger): moved there
  const moveTo = (job, crew) => {
    const from = stopOf.get(job)?.crew;
    if (!job || crew in locks || (from === crew && !(job in pins))) return;
    selected = job;
    steer({ action: "move", job, crew, why: $("#steer-why")?.value || "" });
  };
  el.querySelectorAll(".track[data-crew]").forEach((track) => {
    const crew = track.dataset.crew;
    if (crew in locks) return;
    track.addEventListener("dragover", (e) => { e.preventDefault(); track.classList.add("drop"); });
    track.addEventListener("dragleave", () => track.classList.remove("drop"));
    track.addEventListener("drop", (e) => {
      e.preventDefault();
      track.classList.remove("drop");
      moveTo(e.dataTransfer.getData("text/plain"), crew);
    });
  });
  el.querySelectorAll('.bar.job[draggable="true"]').forEach((bar) => touchDrag(el, bar, moveTo));
}

// Touch screens have no HTML drag and drop: a long press on a job's bar picks it up (the bar
// dims, a copy follows the finger), the finger carries it to another crew's row (outlined as
// the mouse's drop target), and lifting it there moves the job with the same call as the
// mouse's drop. A finger that moves before the press is long is scrolling the timeline.
const LONG_PRESS_MS = 450;
const SLOP_PX = 10;
let carrying = null; // the job a finger is carrying, if any (the timeline does not scroll then)

function touchDrag(timeline, bar, moveTo) {
  if (!timeline.dataset.touchGuard) {
    // registered before any touch starts, so the browser waits for it: while a job is carried
    // the finger's moves are the drag's, not a scroll of the timeline or the page
    timeline.addEventListener("touchmove", (e) => { if (carrying) e.preventDefault(); }, { passive: false });
    timeline.addEventListener("contextmenu", (e) => { if (carrying || e.target.closest?.(".bar.job[draggable]")) e.preventDefault(); });
    timeline.dataset.touchGuard = "1";
  }
  // a long press selects no text and opens no callout on the bar
  Object.assign(bar.style, { userSelect: "none", webkitUserSelect: "none", webkitTouchCallout: "none" });
  bar.addEventListener("pointerdown", (down) => {
    if (down.pointerType === "mouse" || !down.isPrimary) return; // the mouse drags natively
    // not the browser's own drag of the element for a finger (Chrome starts one on touch, and
    // its drop may navigate the page to the dragged text)
    bar.draggable = false;
    const id = down.pointerId;
    const job = bar.dataset.job;
    let ghost = null;
    let over = null;
    const trackAt = (x, y) => {
      const track = document.elementFromPoint(x, y)?.closest?.(".track[data-crew]");
      return track && timeline.contains(track) && !track.closest(".locked") ? track : null;
    };
    const pickUp = () => {
      carrying = job;
      const box = bar.getBoundingClientRect();
      ghost = bar.cloneNode(true);
      ghost.classList.add("touch-ghost");
      ghost.removeAttribute("draggable");
      Object.assign(ghost.style, { position: "fixed", zIndex: 10000, pointerEvents: "none", opacity: 0.85, left: `${down.clientX - box.width / 2}px`, top: `${down.clientY - box.height / 2}px`, width: `${box.width}px`, height: `${box.height}px` });
      document.body.appendChild(ghost);
      bar.classList.add("touch-dragging");
      bar.style.opacity = "0.4";
      navigator.vibrate?.(15);
    };
    const timer = setTimeout(pickUp, LONG_PRESS_MS);
    const end = () => {
      clearTimeout(timer);
      bar.draggable = true;
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", up);
      document.removeEventListener("pointercancel", up);
      ghost?.remove();
      bar.classList.remove("touch-dragging");
      bar.style.removeProperty("opacity");
      over?.classList.remove("drop");
      carrying = null;
    };
    const move = (e) => {
      if (e.pointerId !== id) return;
      if (!ghost) {
        if (Math.hypot(e.clientX - down.clientX, e.clientY - down.clientY) > SLOP_PX) end();
        return;
      }
      const box = ghost.getBoundingClientRect();
      ghost.style.left = `${e.clientX - box.width / 2}px`;
      ghost.style.top = `${e.clientY - box.height / 2}px`;
      const track = trackAt(e.clientX, e.clientY);
      if (track !== over) { over?.classList.remove("drop"); over = track; over?.classList.add("drop"); }
    };
    const up = (e) => {
      if (e.pointerId !== id) return;
      const track = ghost && e.type === "pointerup" ? trackAt(e.clientX, e.clientY) : null;
      end();
      if (track) moveTo(job, track.dataset.crew);
    };
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", up);
    document.addEventListener("pointercancel", up);
  });
}

// a bar's label: the job's short name (the id less its ticket or application, which the title
// has), so that labels of short jobs stay readable
function barLabel(st) {
  const job = jobs.get(st.job);
  // a step of an application's or a ticket's chain is named by its kind, in the reader's
  // language (the source is the row's neighbours' too); a job of its own by its id
  const short = job?.source ? code("kind", job.kind || st.kind) : String(st.job);
  return (st.slot || 1) > 1 ? `${short} ②` : short;
}

function canSteer(plan) {
  return plan.status === "ready" && Boolean(steering) && document.body.dataset.role !== "viewer" && document.body.dataset.role !== "engineer";
}

// the steering panel: the job selected (pin here, pin at a time, unpin, take out), the reason,
// re-solve, the jobs taken out and the history of the edits
function steerPanel(plan) {
  if (!steering) return "";
  const editable = canSteer(plan);
  const history = steering.history.length
    ? `<h4>${t("steer_history")} (${steering.history.length})</h4><ol class="steer-history">${steering.history.map((c) => `<li>${changeLine(c)}</li>`).join("")}</ol>` : "";
  const out = Object.entries(steering.out);
  const outList = out.length
    ? `<h4>${t("steer_out")} (${out.length})</h4><ul class="steer-out">${out.map(([job, x]) => `<li><code>${escapeHtml(job)}</code> — ${escapeHtml(x.by)}: ${escapeHtml(x.why)}
        ${editable ? `<button type="button" class="steer-restore" data-job="${escapeHtml(job)}">${t("steer_restore")}</button>` : ""}</li>`).join("")}</ul>` : "";
  if (!editable) return `<div id="plan-steer">${outList}${history}</div>`;
  let job = "";
  const st = selected && plan.result.routes.flatMap((r) => r.stops.map((s) => ({ ...s, crew: r.crew }))).find((s) => s.job === selected);
  if (st) {
    const pin = steering.pins[st.job];
    const locked = Object.entries(steering.locks).find(([, js]) => js.includes(st.job));
    job = `<div class="card" id="steer-job"><p>${escapeHtml(t("steer_selected", { job: st.job, crew: st.crew, start: shortTime(st.start), end: shortTime(st.end).slice(6) }))}
        ${pin ? ` · ${PIN} ${escapeHtml(t("steer_pinned"))} ${escapeHtml(pin.crew)}${pin.start ? ` ${escapeHtml(shortTime(pin.start))}` : ""}` : ""}${locked ? ` · ${LOCKED} ${escapeHtml(locked[0])}` : ""}</p>
      ${locked ? "" : `<div class="row">
        ${pin ? `<button type="button" id="steer-unpin">${t("steer_unpin")}</button>` : `<button type="button" id="steer-pin">${t("steer_pin_here")}</button>`}
        <label><span>${t("steer_pin_at")}</span> <input ${clockAttrs()} id="steer-at" value="${escapeHtml(st.start.slice(11, 16))}"></label>
        <button type="button" id="steer-pin-at">${t("steer_pin_time")}</button>
        <button type="button" id="steer-unassign" class="danger">${t("steer_unassign")}</button></div>`}</div>`;
  }
  const pending = steering.pending ? `<p class="badge warn" id="steer-pending">${escapeHtml(t("steer_pending", { n: steering.pending }))}</p>` : "";
  return `<div id="plan-steer" class="needs-dispatcher"><h4>${t("steer_title")}</h4>${job}
    <div class="row"><label><span>${t("steer_why")}</span> <input id="steer-why" maxlength="500" value=""></label>
    <button type="button" id="plan-resolve" class="primary">${t("steer_resolve")}</button></div>${pending}${outList}${history}</div>`;
}

function changeLine(c) {
  const what = [c.job ? `<code>${escapeHtml(c.job)}</code>` : "", c.crew ? `→ ${escapeHtml(c.crew)}` : "", c.start ? escapeHtml(shortTime(c.start)) : ""].filter(Boolean).join(" ");
  const more = c.jobs && c.jobs.length > 1 && c.action === "unassign" ? ` (${escapeHtml(t("steer_chain", { n: c.jobs.length }))})` : "";
  return `${escapeHtml(shortTime(c.at))} ${escapeHtml(c.by)}: ${escapeHtml(t(`steer:${c.action}`))} ${what}${more}${c.why ? ` — ${escapeHtml(c.why)}` : ""}`;
}

function wireSteering(plan) {
  if (!canSteer(plan)) return;
  const why = () => $("#steer-why")?.value || "";
  const st = selected && plan.result.routes.flatMap((r) => r.stops.map((s) => ({ ...s, crew: r.crew }))).find((s) => s.job === selected);
  $("#steer-pin")?.addEventListener("click", () => steer({ action: "pin", job: st.job, crew: st.crew, why: why() }));
  $("#steer-unpin")?.addEventListener("click", () => steer({ action: "unpin", job: st.job, why: why() }));
  $("#steer-pin-at")?.addEventListener("click", () => {
    const at = clock24($("#steer-at").value);
    if (!at) { say(t("clock_hint"), "error"); $("#steer-at").focus(); return; }
    const pin = steering.pins[st.job];
    steer({ action: "pin", job: st.job, crew: pin ? pin.crew : st.crew, start: `${st.start.slice(0, 10)}T${at}:00`, why: why() });
  });
  $("#steer-unassign")?.addEventListener("click", () => {
    if (!why().trim()) { say(t("steer_why_needed"), "error"); $("#steer-why").focus(); return; }
    steer({ action: "unassign", job: st.job, why: why() });
  });
  document.querySelectorAll(".steer-restore").forEach((b) => b.addEventListener("click", () => steer({ action: "restore", job: b.dataset.job, why: why() })));
  $("#plan-resolve")?.addEventListener("click", async () => {
    try {
      const next = await api("POST", `/api/plans/${plan.id}/resolve`, { version: steering.version });
      diff = null; selected = null;
      await loadPlans(next.id); // it is queued: the tab follows it while it solves
    } catch (err) { await refused(err); }
  });
}

// one edit, sent with the version the dispatcher saw; another dispatcher's edit since is a
// conflict: the plan is reloaded, showing their change, and the message names who and when
async function steer(edit) {
  say(t("loading"));
  try {
    steering = await api("POST", `/api/plans/${shown.id}/steer`, { version: steering.version, ...edit });
    shown.version = steering.version;
    say(t("steer_done", { what: t(`steer:${edit.action}`) }), "ok");
    renderPlan(shown);
  } catch (err) { await refused(err); }
}

async function refused(err) {
  if (err.status === 409) {
    const fresh = await api("GET", `/api/plans/${shown.id}/steering`).catch(() => null);
    const last = fresh?.history?.at(-1);
    if (fresh && fresh.version !== steering.version && last) {
      steering = fresh; shown.version = fresh.version;
      renderPlan(shown);
      say(t("steer_conflict", { by: last.by, at: shortTime(last.at), what: t(`steer:${last.action}`) + (last.job ? ` ${last.job}` : "") + (last.crew ? ` → ${last.crew}` : "") }), "error");
      return;
    }
  }
  say(`${t("error")}: ${err.message}`, "error");
}

// what changed from the plan this one was solved from (or re-plans): crew and times, from → to
function diffPanel() {
  if (!diff) return "";
  const line = (c) => `<li><code>${escapeHtml(c.job)}</code> ${c.from ? `${escapeHtml(c.from.crew)} ${shortTime(c.from.start)}–${shortTime(c.from.end).slice(6)}` : ""} → ${c.to ? `${escapeHtml(c.to.crew)} ${shortTime(c.to.start)}–${shortTime(c.to.end).slice(6)}` : escapeHtml(t("left_out"))}</li>`;
  const n = diff.changed.length + diff.added.length + diff.removed.length;
  const part = (key, list) => (list.length ? `<h5>${t(key)} (${list.length})</h5><ul>${list.map(line).join("")}</ul>` : "");
  return `<div id="plan-diff"><h4>${escapeHtml(t("diff_title", { id: diff.from }))}</h4>${n ? "" : `<p>${t("diff_none")}</p>`}
    ${part("diff_changed", diff.changed)}${part("diff_added", diff.added)}${part("diff_removed", diff.removed)}</div>`;
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
      <td>${shortTime(st.start)}</td><td>${shortTime(st.end)}</td><td>${escapeHtml(jobText(job) || job.description || "")} ${job.location ? `(${job.location[0].toFixed(5)}, ${job.location[1].toFixed(5)})` : ""}</td></tr>`; }).join("")}
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

