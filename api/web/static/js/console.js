// The dispatcher's and engineer's console: a thin client of the service's API (docs/console.md).
/* global L */
import { api, ApiError, download, me, signIn, signOut, token, upload, whenSignedOut } from "./api.js";
import { applyStrings, code, currentLang, escapeHtml, message, onLangChange, setLang, shortTime, t } from "./i18n.js";
import { COLOURS, ROUTE_COLOURS, createMap, customerLayers, legend, networkLayers, numberedIcon } from "./map.js";
import { loadNetworks, rerenderNetworks, wireNetworks } from "./networks.js";

const $ = (sel, root = document) => root.querySelector(sel);
const state = {
  config: null, networkId: null, map: null, layers: null, tab: "isolation",
  whatif: new Set(), lastIsolation: null, isoOverlay: null, planOverlay: null, pickOverlay: null,
  pick: null, crews: [], jobs: new Map(), plan: null, polling: null, outage: null, criticality: null,
  openJob: null, ticketOutcome: null, // in New work: the job opened under its row, the last ticket cancelled
};

// -- start ---------------------------------------------------------------------------------

async function boot() {
  applyStrings();
  $("#lang").addEventListener("click", () => setLang(currentLang() === "zh" ? "en" : "zh"));
  onLangChange(() => rerender());
  whenSignedOut(showLogin);
  $("#login-form").addEventListener("submit", onLogin);
  $("#sign-out").addEventListener("click", () => { signOut(); location.reload(); });
  state.config = await fetch("/public/config").then((r) => r.json());
  if (token() && me()) await start(); else showLogin();
}

function showLogin() {
  $("#app").hidden = true;
  $("#login").hidden = false;
  $("#sign-out").hidden = true;
  $("#who").textContent = "";
  $("#login-form [name=username]").focus();
}

async function onLogin(event) {
  event.preventDefault();
  const form = event.target;
  $("#login-error").textContent = "";
  try {
    await signIn(form.username.value.trim(), form.password.value);
    form.password.value = "";
    await start();
  } catch (err) {
    $("#login-error").textContent = err.status === 401 ? t("bad_login") : err.message;
  }
}

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  const user = me();
  $("#who").textContent = t("signed_in_as", { user: user.username, role: code("role", user.role) });
  document.body.dataset.role = user.role;
  if (state.map) return;
  state.networkId = state.config.network;
  $("#network-name").textContent = state.networkId ? `#${state.networkId}` : "";
  state.map = await createMap("map", state.config);
  // what the console draws over the network (isolations, routes, picks) has its own pane and
  // renderer above the pipes' canvas, so that a route along a street is not hidden by its pipe
  state.map.createPane("work").style.zIndex = 450;
  state.work = L.svg({ pane: "work" });
  state.isoOverlay = L.layerGroup().addTo(state.map);
  state.planOverlay = L.layerGroup().addTo(state.map);
  state.pickOverlay = L.layerGroup().addTo(state.map);
  for (const b of document.querySelectorAll("[data-tab]")) {
    b.addEventListener("click", () => showTab(b.dataset.tab));
  }
  wireIsolation();
  wirePlan();
  wireWork();
  wireNotices();
  wireLeakage();
  wireCalendar();
  wireNetworks(busy);
  showTab(location.hash.slice(1) || "isolation");
  await busy(async () => {
    state.layers = await networkLayers(state.map, state.networkId, layerJson, {
      pipe: (feature, latlng) => onMapPick(latlng, feature.id),
    });
    customerLayers(state.map, state.networkId, layerJson);
    state.map.on("click", (e) => onMapPick(e.latlng, null));
    await loadCrews();
    addLayerControl();
    legend(state.map);
  });
}

async function layerJson(path) { return api("GET", path); }

function addLayerControl() {
  const c = state.layers;
  L.control.layers(null, {
    [t("pipes")]: c.pipes, [t("dmas")]: c.dmas, [t("sources")]: c.sources,
    [t("depots")]: state.depots, [t("tab_isolation")]: state.isoOverlay,
    [t("routes")]: state.planOverlay,
  }, { collapsed: true }).addTo(state.map);
}

async function loadCrews() {
  state.crews = await api("GET", "/api/crews");
  state.depots = L.layerGroup().addTo(state.map);
  const seen = new Set();
  for (const c of state.crews) {
    const key = c.depot.join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    L.marker([c.depot[1], c.depot[0]], { icon: L.divIcon({ className: "icon-depot", html: "■", iconSize: [16, 16] }) })
      .bindTooltip(`${t("depots")}: ${state.crews.filter((x) => x.depot.join(",") === key).map((x) => escapeHtml(x.id)).join(", ")}`)
      .addTo(state.depots);
  }
}

function showTab(name) {
  if (!document.querySelector(`[data-panel="${name}"]`)) name = "isolation";
  state.tab = name;
  for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== name;
  for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  $("#timeline").hidden = name !== "plan" || !state.plan?.result;
  history.replaceState(null, "", `#${name}`);
  if (name === "valves" && !state.criticality) loadCriticality();
  if (name === "plan") loadPlans();
  if (name === "work") loadJobs();
  if (name === "notices") loadNotices();
  if (name === "leakage") loadLeakage();
  if (name === "calendar") loadCalendar();
  if (name === "networks") loadNetworks();
  setTimeout(() => state.map && state.map.invalidateSize(), 0);
}

function rerender() {
  const user = me();
  if (user) $("#who").textContent = t("signed_in_as", { user: user.username, role: code("role", user.role) });
  renderWhatif();
  if (state.lastIsolation) renderIsolation(state.lastIsolation);
  if (state.criticality) renderCriticality();
  if (state.plan) renderPlan(state.plan);
  if (state.tab === "notices") loadNotices();
  if (state.tab === "work") loadJobs();
  if (state.tab === "leakage") loadLeakage();
  if (state.tab === "calendar") loadCalendar();
  if (state.tab === "networks") rerenderNetworks();
}

// the status line: what is happening, what went wrong
function say(text, kind = "") {
  const el = $("#status");
  el.textContent = text;
  el.className = `status ${kind}`;
}

async function busy(fn) {
  say(t("loading"));
  try {
    const out = await fn();
    say("");
    return out;
  } catch (err) {
    say(`${t("error")}: ${err.message}`, "error");
    if (!(err instanceof ApiError)) console.error(err);
    return undefined;
  }
}

// -- picking points on the map -------------------------------------------------------------

function onMapPick(latlng, pipeId) {
  if (state.pick) {
    const form = $(`#${state.pick}`);
    form.lon.value = latlng.lng.toFixed(6);
    form.lat.value = latlng.lat.toFixed(6);
    if (form.pipe_id && pipeId) form.pipe_id.value = pipeId;
    $(".picked", form).textContent = t("picked", { lon: form.lon.value, lat: form.lat.value });
    state.pickOverlay.clearLayers();
    L.circleMarker(latlng, { renderer: state.work, radius: 8, color: COLOURS.close, weight: 3, fill: false }).addTo(state.pickOverlay);
    state.pick = null;
    state.map.getContainer().classList.remove("picking");
    return;
  }
  if (state.tab !== "isolation") return;
  if (pipeId) isolate({ pipe: pipeId }); else isolate({ at: `${latlng.lng.toFixed(6)},${latlng.lat.toFixed(6)}` });
}

function wirePicks() {
  for (const b of document.querySelectorAll("button.pick")) {
    b.addEventListener("click", () => {
      state.pick = b.dataset.target;
      state.map.getContainer().classList.add("picking");
    });
  }
}

// -- isolation -----------------------------------------------------------------------------

function wireIsolation() {
  $("#iso-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const pipe = e.target.pipe.value.trim();
    if (pipe) isolate({ pipe });
  });
  $("#whatif-clear").addEventListener("click", () => {
    state.whatif.clear();
    if (state.lastQuery) isolate(state.lastQuery);
    renderWhatif();
  });
  renderWhatif();
  wirePicks();
}

function renderWhatif() {
  $("#whatif").textContent = state.whatif.size ? [...state.whatif].join(", ") : t("none");
}

async function isolate(query) {
  state.lastQuery = query;
  const params = new URLSearchParams(query);
  if (state.whatif.size) params.set("inoperable", [...state.whatif].join(","));
  const plan = await busy(() => api("GET", `/api/networks/${state.networkId}/isolation?${params}`));
  if (!plan) return;
  state.lastIsolation = plan;
  renderIsolation(plan);
  drawIsolation(plan);
}

function drawIsolation(plan) {
  const overlay = state.isoOverlay;
  overlay.clearLayers();
  if (plan.area) {
    L.geoJSON(plan.area, { renderer: state.work, style: { color: COLOURS.area, weight: 1, fillOpacity: 0.12 }, interactive: false }).addTo(overlay);
  }
  const bounds = L.latLngBounds([]);
  for (const [ids, colour] of [[plan.unintended_pipes, COLOURS.unintended], [plan.isolated_pipes, COLOURS.isolated]]) {
    for (const id of ids) {
      const layer = state.layers.pipeById.get(id);
      if (!layer) continue;
      const line = L.polyline(layer.getLatLngs(), { renderer: state.work, color: colour, weight: 6, opacity: 0.85, interactive: false });
      line.addTo(overlay);
      bounds.extend(line.getBounds());
    }
  }
  plan.valves_to_close.forEach((v, i) => {
    const m = L.marker([v.location[1], v.location[0]], { icon: numberedIcon(i + 1), zIndexOffset: 1000 })
      .bindTooltip(`${i + 1}. ${escapeHtml(v.id)}`);
    m.on("click", () => markInoperable(v.id));
    m.addTo(overlay);
    bounds.extend(m.getLatLng());
  });
  for (const v of plan.bypassed_valves) {
    L.marker([v.location[1], v.location[0]], { icon: numberedIcon("✕", "icon-valve-bypassed") })
      .bindTooltip(`${escapeHtml(v.id)}: ${t("bypassed")}`).addTo(overlay);
  }
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.4), { maxZoom: 17 });
}

function categoryTable(byCategory) {
  const rows = Object.entries(byCategory).filter(([, n]) => n > 0)
    .map(([c, n]) => `<tr><td>${escapeHtml(t(`cat_${c}`))}</td><td class="num">${n}</td></tr>`).join("");
  return `<table class="data"><thead><tr><th>${t("category")}</th><th class="num">${t("count")}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderIsolation(plan) {
  const c = plan.customers;
  const valves = plan.valves_to_close.map((v, i) => `<li data-valve="${escapeHtml(v.id)}">
      <span class="badge close">${i + 1}</span> <code>${escapeHtml(v.id)}</code> <span class="muted">${escapeHtml(v.pipe)}</span>
      <button type="button" class="link mark" data-valve="${escapeHtml(v.id)}">${t("mark_inoperable")}</button>
      <button type="button" class="link report needs-engineer" data-valve="${escapeHtml(v.id)}">${t("report_valve")}</button></li>`).join("");
  const bypassed = plan.bypassed_valves.length
    ? `<p><strong>${t("bypassed")}:</strong> ${plan.bypassed_valves.map((v) => `<code>${escapeHtml(v.id)}</code>`).join(", ")}</p>` : "";
  const critical = c.critical.length
    ? `<h4>${t("critical_list")}</h4><ul class="critical">${c.critical.map((x) => `<li>✚ ${escapeHtml(x.name || x.id)} <span class="muted">${escapeHtml(x.kind || "")}</span></li>`).join("")}</ul>` : "";
  const notes = plan.warnings.map((text, i) => {
    const w = (plan.warning_keys || [])[i];
    return escapeHtml(w ? message(w.key, w.params, text) : text);
  });
  const warnings = notes.length ? `<div class="warn">${notes.join("<br>")}</div>` : "";
  $("#iso-result").innerHTML = `
    <div class="summary">
      <div><span class="big">${c.total}</span> ${t("customers_cut")} · ${c.accounts} ${t("accounts")}</div>
      <div><span class="swatch" style="background:${COLOURS.isolated}"></span>${t("isolated_area")}: ${c.in_isolated_area} · ${plan.isolated_length_m} m</div>
      <div><span class="swatch" style="background:${COLOURS.unintended}"></span>${t("unintended_area")}: ${c.in_unintended_area} · ${plan.unintended_length_m} m</div>
      <div>${t("streets")}: ${plan.streets.map(escapeHtml).join("、") || "—"}</div>
    </div>
    ${warnings}
    <h4>${t("valves_to_close")} (${plan.valves_to_close.length})</h4>
    <ol class="valves" id="valves-to-close">${valves}</ol>
    ${bypassed}
    ${categoryTable(c.by_category)}
    ${critical}
    <div class="row">
      <button type="button" id="iso-notice" class="primary needs-dispatcher">${t("draft_notice")}</button>
    </div>`;
  for (const b of document.querySelectorAll("#iso-result button.mark")) b.addEventListener("click", () => markInoperable(b.dataset.valve));
  for (const b of document.querySelectorAll("#iso-result button.report")) b.addEventListener("click", () => reportValve(b.dataset.valve));
  $("#iso-notice").addEventListener("click", () => draftFromIsolation(plan));
}

function markInoperable(valveId) {
  state.whatif.add(valveId);
  renderWhatif();
  if (state.lastQuery) isolate(state.lastQuery);
}

async function reportValve(valveId) {
  const ok = await busy(() => api("PUT", `/api/networks/${state.networkId}/valves/${encodeURIComponent(valveId)}/status`,
    { operable: false, note: "reported from the console" }));
  if (ok) { say(t("valve_reported", { id: valveId }), "ok"); markInoperable(valveId); }
}

// -- valve criticality ---------------------------------------------------------------------

async function loadCriticality() {
  $("#crit-table").textContent = t("loading");
  const data = await busy(() => api("GET", `/api/networks/${state.networkId}/criticality?top=50`));
  if (!data) return;
  state.criticality = data.valves;
  renderCriticality();
}

function renderCriticality() {
  const rows = state.criticality.map((v, i) => `<tr data-valve="${escapeHtml(v.valve)}" data-pipe="${escapeHtml(v.worst_break_pipe || "")}">
      <td class="num">${i + 1}</td><td><code>${escapeHtml(v.valve)}</code></td><td class="num">${v.extra_customers}</td>
      <td class="num">${v.extra_critical}</td><td class="num">${v.extra_length_m}</td><td>${v.operable ? t("yes") : t("no")}</td>
      <td><button type="button" class="link worst">${t("isolate_worst")}</button></td></tr>`).join("");
  $("#crit-table").innerHTML = `<table class="data clickable"><thead><tr><th>${t("rank")}</th><th>${t("valve")}</th>
      <th class="num">${t("extra_customers")}</th><th class="num">${t("extra_critical")}</th><th class="num">${t("extra_length")}</th>
      <th>${t("operable")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  for (const tr of document.querySelectorAll("#crit-table tbody tr")) {
    tr.addEventListener("click", (e) => {
      if (e.target.classList.contains("worst")) {
        if (tr.dataset.pipe) { state.whatif = new Set([tr.dataset.valve]); renderWhatif(); showTab("isolation"); isolate({ pipe: tr.dataset.pipe }); }
        return;
      }
      for (const x of document.querySelectorAll("#crit-table tr.selected")) x.classList.remove("selected");
      tr.classList.add("selected");
      focusValve(tr.dataset.valve);
    });
  }
}

function focusValve(valveId) {
  const layer = state.layers.valveById.get(valveId);
  if (!layer) return;
  state.map.setView(layer.getLatLng(), 17);
  state.isoOverlay.clearLayers();
  L.circleMarker(layer.getLatLng(), { renderer: state.work, radius: 14, color: COLOURS.critical, weight: 3, fill: false })
    .bindTooltip(escapeHtml(valveId), { permanent: true }).addTo(state.isoOverlay);
}

// -- day plan ------------------------------------------------------------------------------

// dates in Kaifeng (the service's time zone), whatever the browser's zone
function kaifengDate(offsetDays = 0) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" })
    .format(new Date(Date.now() + offsetDays * 86_400_000));
}
function tomorrow() { return kaifengDate(1); }

function wirePlan() {
  const form = $("#plan-form");
  form.day.value = tomorrow();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { day: form.day.value, seconds: Number(form.seconds.value) || undefined };
    const plan = await busy(() => api("POST", "/api/plans", body));
    if (plan) { await loadPlans(plan.id); follow(plan.id); }
  });
  $("#plan-stop").addEventListener("click", () => {
    if (state.polling) api("POST", `/api/plans/${state.polling}/stop`).catch(() => {});
  });
  $("#plan-select").addEventListener("change", (e) => openPlan(Number(e.target.value)));
  $("#emergency-form").addEventListener("submit", onEmergency);
}

async function loadPlans(select) {
  const plans = await api("GET", "/api/plans").catch(() => []);
  const sel = $("#plan-select");
  sel.innerHTML = plans.map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(t("plan_n", { id: p.id, day: p.day, status: p.status }))}</option>`).join("");
  const want = select ?? state.plan?.id ?? plans[0]?.id;
  if (want) { sel.value = String(want); if (!state.plan || state.plan.id !== want) await openPlan(want); }
  else $("#plan-result").textContent = t("no_plan");
}

async function openPlan(id) {
  const plan = await busy(() => api("GET", `/api/plans/${id}`));
  if (!plan) return;
  if (plan.status === "queued" || plan.status === "solving") { follow(id); return; }
  await showPlan(plan);
}

async function showPlan(plan) {
  const jobs = await api("GET", "/api/jobs?limit=5000");
  state.jobs = new Map(jobs.map((j) => [j.id, j]));
  state.plan = plan;
  renderPlan(plan);
}

function follow(id) {
  state.polling = id;
  const bar = $("#plan-progress");
  bar.hidden = false; $("#plan-stop").hidden = false;
  bar.removeAttribute("value");
  const tick = async () => {
    if (state.polling !== id) return;
    let plan;
    try { plan = await api("GET", `/api/plans/${id}`); } catch (err) { say(err.message, "error"); return; }
    const p = plan.progress || {};
    if (p.seconds) { bar.max = p.seconds; bar.value = Math.min(p.elapsed || 0, p.seconds); }
    say(`${t("solving")} ${p.solutions ?? 0} · ${p.elapsed ?? 0} s`);
    if (plan.status === "queued" || plan.status === "solving") { setTimeout(tick, 600); return; }
    state.polling = null; bar.hidden = true; $("#plan-stop").hidden = true;
    say(plan.error ? `${t("error")}: ${plan.error}` : "", plan.error ? "error" : "");
    await showPlan(plan);
    await loadPlans(id);
  };
  tick();
}

function crewColour(index) { return ROUTE_COLOURS[index % ROUTE_COLOURS.length]; }

function jobLocation(jobId) {
  const job = state.jobs.get(jobId);
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
  return m ? Number(m[1]) * 60 + Number(m[2]) + (day > (state.plan?.day || day) ? 1440 : 0) : 0;
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
    ${r.stops.map((st, k) => { const job = state.jobs.get(st.job) || {}; return `<tr><td>${k + 1}</td><td>${escapeHtml(stopName(st))}</td><td>${escapeHtml(code("kind", st.kind))}</td>
      <td>${shortTime(st.start)}</td><td>${shortTime(st.end)}</td><td>${escapeHtml(job.description || "")} ${job.location ? `(${job.location[0].toFixed(5)}, ${job.location[1].toFixed(5)})` : ""}</td></tr>`; }).join("")}
    </tbody></table></section>`).join("");
}

async function onEmergency(e) {
  e.preventDefault();
  const form = e.target;
  if (!form.lon.value) { say(t("emergency_help"), "error"); return; }
  const ticket = await busy(() => api("POST", "/api/repairs", {
    severity: form.severity.value, lon: Number(form.lon.value), lat: Number(form.lat.value),
    description: "reported from the console",
  }, { idempotent: true }));
  if (!ticket) return;
  if (ticket.linked) { $("#moved").textContent = ticket.message; return; }
  // the plan of the day the burst is reported on (today in Kaifeng), whichever plan is open:
  // today's published plan is re-planned from now; without one, today is planned from now
  const today = kaifengDate(0);
  const plans = await busy(() => api("GET", "/api/plans"));
  if (!plans) return;
  const published = plans.filter((p) => p.day === today && p.status === "published")
    .sort((a, b) => b.id - a.id)[0];
  const child = published
    ? await busy(() => api("POST", `/api/plans/${published.id}/replan`, {}))
    : await busy(() => api("POST", "/api/plans", { day: today, now: kaifengNow() }));
  if (!child) return;
  const how = published ? t("replanned_today", { id: published.id }) : t("planned_today_from_now");
  $("#moved").textContent = `${ticket.ticket || ""} → ${t("plan_n", { id: child.id, day: child.day, status: child.status })} · ${how}`;
  await loadPlans(child.id);
  follow(child.id);
}

// now in Kaifeng as YYYY-MM-DDTHH:MM
function kaifengNow() {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date());
  const v = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${v.year}-${v.month}-${v.day}T${v.hour}:${v.minute}`;
}

// -- new work ------------------------------------------------------------------------------

function formBody(form, numbers = []) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "submit" || el.type === "button") continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.value !== "") out[el.name] = numbers.includes(el.name) ? Number(el.value) : el.value;
  }
  return out;
}

function wireWork() {
  $("#conn-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = formBody(e.target, ["lon", "lat", "dn_mm", "line_length_m"]);
    if (body.lon === undefined) { say(t("pick_on_map"), "error"); return; }
    const app = await busy(() => api("POST", "/api/connections", body, { idempotent: true }));
    if (app) {
      const when = app.deadline
        ? `${t("deadline")} ${shortTime(app.deadline.due)} ${calendarBadge(app.deadline.calendar)}`
        : `${t("acceptance_due")} ${shortTime(app.intake.acceptance_due)}`;
      $("#work-result").innerHTML = `<p class="ok" id="conn-created">${t("created", { id: escapeHtml(app.application) })} · ${when}</p>`;
      e.target.reset(); $(".picked", e.target).textContent = ""; loadJobs();
    }
  });
  // a counter application is accepted at once (即办); a remote one may wait for acceptance
  const channel = $("#conn-form select[name=channel]");
  const accept = $("#conn-form input[name=accept]");
  channel.addEventListener("change", () => {
    accept.disabled = channel.value === "counter";
    if (accept.disabled) accept.checked = true;
  });
  accept.disabled = true;
  $("#repair-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = formBody(e.target, ["lon", "lat"]);
    if (body.pipe_id) { delete body.lon; delete body.lat; }
    const ticket = await busy(() => api("POST", "/api/repairs", body, { idempotent: true }));
    if (ticket) {
      $("#work-result").innerHTML = `<p class="ok">${t("created", { id: escapeHtml(ticket.ticket || "") })} · ${ticket.jobs?.length ?? 0} ${t("job")}</p>`;
      e.target.reset(); $(".picked", e.target).textContent = ""; loadJobs();
      if (ticket.isolation) { state.lastIsolation = ticket.isolation; drawIsolation(ticket.isolation); }
    }
  });
}

// a published job the re-plan gave another crew or time: job, crew and start from -> to
function movedLine(m) {
  if (typeof m === "string") return escapeHtml(m);
  const from = `${escapeHtml(m.from.crew)} ${shortTime(m.from.start)}`;
  const to = m.to ? `${escapeHtml(m.to.crew)} ${shortTime(m.to.start)}` : escapeHtml(t("left_out"));
  const why = m.why ? ` · ${escapeHtml(t("yields_to", { why: m.why }))}` : "";
  return `<code>${escapeHtml(m.job)}</code> ${from} → ${to}${why}`;
}

// "暂定" / "provisional" beside a deadline or a plan counted on a year not yet announced
function calendarBadge(basis) {
  if (!basis || basis.status !== "provisional") return "";
  const years = basis.provisional_years.join(", ");
  return `<span class="badge provisional" title="${escapeHtml(t("provisional_hint", { years }))}">${t("provisional")}</span>`;
}

async function loadIntake() {
  const intake = await api("GET", "/api/connections/intake").catch(() => null);
  if (!intake) return;
  const rows = [...intake.late, ...intake.waiting];
  $("#intake").innerHTML = rows.length ? `<table class="data" id="intake-table"><thead><tr><th>ID</th><th>${t("customer")}</th><th>${t("channel")}</th>
      <th>${t("received")}</th><th>${t("acceptance_due")}</th><th></th></tr></thead><tbody>
    ${rows.map((a) => `<tr data-app="${escapeHtml(a.application)}"><td><code>${escapeHtml(a.application)}</code></td><td>${escapeHtml(a.customer)}</td>
      <td>${escapeHtml(t(`ch_${a.intake.channel}`))}</td><td>${shortTime(a.intake.received_at)}</td>
      <td>${shortTime(a.intake.acceptance_due)} ${a.intake.status === "late" ? `<span class="badge late">${t("late_intake")}</span>` : ""}</td>
      <td><button type="button" class="accept needs-dispatcher">${t("accept")}</button></td></tr>`).join("")}</tbody></table>`
    : `<p class="help">${t("intake_none")}</p>`;
  for (const b of document.querySelectorAll("#intake-table button.accept")) {
    b.addEventListener("click", async () => {
      const id = b.closest("tr").dataset.app;
      const app = await busy(() => api("POST", `/api/connections/${encodeURIComponent(id)}/accept`, {}));
      if (app) {
        $("#work-result").innerHTML = `<p class="ok">${escapeHtml(app.application)} · ${t("deadline")} ${shortTime(app.deadline.due)} ${calendarBadge(app.deadline.calendar)}</p>`;
        loadIntake(); loadJobs();
      }
    });
  }
}

// the jobs still to do: open, assigned, on the way, on site (done and cancelled ones are not)
const ACTIVE = ["open", "assigned", "en_route", "on_site"];

async function loadJobs() {
  loadIntake();
  const tickets = loadRepairs();
  const lists = await Promise.all(ACTIVE.map((s) => api("GET", `/api/jobs?status=${s}&limit=500`).catch(() => [])));
  const jobs = lists.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  $("#jobs").innerHTML = `<table class="data clickable" id="jobs-table"><thead><tr><th>${t("job")}</th><th>${t("kind")}</th><th>${t("status")}</th><th>${t("due")}</th></tr></thead><tbody>
    ${jobs.map((j) => `<tr data-job="${escapeHtml(j.id)}"><td><code>${escapeHtml(j.id)}</code></td><td>${escapeHtml(code("kind", j.kind))}</td>
      <td class="job-status">${jobStatus(j.status)}</td><td>${shortTime(j.deadline || j.due)} ${calendarBadge(j.meta?.calendar)}</td></tr>`).join("")}</tbody></table>`;
  for (const tr of document.querySelectorAll("#jobs-table tr[data-job]")) {
    tr.addEventListener("click", () => (state.openJob === tr.dataset.job ? closeJob() : openJob(tr.dataset.job)));
  }
  if (state.openJob && jobs.some((j) => j.id === state.openJob)) openJob(state.openJob);
  await tickets;
}

// -- one job, its history, and cancelling jobs and repair tickets ------------------------

const CANCELLABLE = new Set(ACTIVE);

function jobStatus(status) {
  return `<span class="badge job-${escapeHtml(status)}">${escapeHtml(code("status", status))}</span>`;
}

function closeJob() {
  document.querySelector("#jobs-table tr.job-detail")?.remove();
  document.querySelector("#jobs-table tr.selected")?.classList.remove("selected");
  state.openJob = null;
}

// a job opened under its row: what it is, its history (who changed it, when, why) and, for a
// dispatcher, *Cancel job*; `notice` is markup of ours (an outcome) shown at its top
async function openJob(id, notice = "") {
  let job;
  try { job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`); } catch (err) { say(`${t("error")}: ${err.message}`, "error"); return; }
  closeJob();
  const row = document.querySelector(`#jobs-table tr[data-job="${CSS.escape(id)}"]`);
  if (!row) return;
  state.openJob = id;
  row.classList.add("selected");
  row.querySelector(".job-status").innerHTML = jobStatus(job.status);
  const history = job.history.map((h) => `<li>${shortTime(h.at)} · ${jobStatus(h.status)}${h.crew ? ` · ${escapeHtml(h.crew)}` : ""} · ${escapeHtml(h.by)}${h.note ? ` — <span class="note">${escapeHtml(h.note)}</span>` : ""}</li>`).join("");
  const detail = document.createElement("tr");
  detail.className = "job-detail";
  detail.innerHTML = `<td colspan="4"><div id="job-detail">
    ${notice}
    <div><code>${escapeHtml(job.id)}</code> ${escapeHtml(code("kind", job.kind))} · ${jobStatus(job.status)}${job.crew ? ` · ${t("crew")} ${escapeHtml(job.crew)}` : ""}</div>
    ${job.description ? `<div class="muted">${escapeHtml(job.description)}</div>` : ""}
    ${job.source ? `<div class="muted">${t("source")}: <code>${escapeHtml(job.source)}</code></div>` : ""}
    ${job.ticket ? `<div class="muted job-ticket">${t("ticket")}: <code>${escapeHtml(job.ticket)}</code></div>` : ""}
    ${job.valve ? `<div class="muted job-valve">${t("valve")}: <code>${escapeHtml(job.valve)}</code></div>` : ""}
    <h4>${t("history")}</h4>
    <ol class="history" id="job-history">${history}</ol>
    ${CANCELLABLE.has(job.status) ? `<div class="row needs-dispatcher"><button type="button" class="danger" id="cancel-job">${t("cancel_job")}</button></div>` : ""}
    <div class="reason-host"></div></div></td>`;
  row.after(detail);
  $("#cancel-job", detail)?.addEventListener("click", () => askReason($(".reason-host", detail), {
    confirm: t("cancel_job_confirm"),
    close: () => { $(".reason-host", detail).innerHTML = ""; },
    // the version the dispatcher read: a job changed meanwhile (a crew arrived) is refused
    // (412) and opened again as it now is, rather than cancelled unseen
    send: async (reason) => {
      await api("POST", `/api/jobs/${encodeURIComponent(id)}/status`, { status: "cancelled", note: reason }, { version: job.version });
      await openJob(id, `<p class="ok" id="job-outcome">${escapeHtml(t("job_cancelled", { job: id }))}</p>`);
    },
    refused: async (err) => {
      if (err.status !== 412) return t("job_not_cancelled", { job: id, why: err.message });
      await openJob(id, `<p class="warn" id="job-outcome">${escapeHtml(t("job_changed", { job: id }))}</p>`);
      return null;
    },
  }));
}

// A reason asked for in place — a cancellation needs one, kept in the history — instead of a
// browser prompt: a small form in `host`. `send(reason)` makes the request; a refusal is shown
// in the form in the words `refused(err)` gives (null: it has dealt with it), the service's own
// message included (refusals stay English, docs/console.md).
function askReason(host, { confirm, send, refused, close }) {
  host.innerHTML = `<form class="reason-form" novalidate>
    <label><span>${t("cancel_why")}</span><input name="reason" required aria-required="true" maxlength="2000" autocomplete="off"></label>
    <div class="row"><button type="submit" class="danger">${escapeHtml(confirm)}</button><button type="button" class="back">${t("back")}</button></div>
    <p class="error" role="alert"></p></form>`;
  const form = $("form", host);
  const error = $(".error", form);
  $(".back", form).addEventListener("click", close);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) { error.textContent = t("reason_required"); form.reason.focus(); return; }
    const button = $("button[type=submit]", form);
    button.disabled = true;
    error.textContent = "";
    try {
      await send(reason);
    } catch (err) {
      if (!(err instanceof ApiError)) console.error(err);
      const text = await refused(err);
      if (text !== null) error.textContent = text;
      button.disabled = false;
    }
  });
  form.reason.focus();
}

async function loadRepairs() {
  const tickets = await api("GET", "/api/repairs?limit=50").catch(() => null);
  if (!tickets) return;
  const outcome = state.ticketOutcome; // the last ticket cancelled here, in today's language
  $("#repairs-result").innerHTML = outcome ? `<p class="ok" id="ticket-outcome">${escapeHtml(t("ticket_cancelled", { ticket: outcome.ticket, n: outcome.jobs.length }))}
    ${outcome.jobs.map((j) => `<code class="job-id">${escapeHtml(j)}</code>`).join(" ") || t("none")}</p>` : "";
  const cancelled = (c) => (c ? `<div class="muted cancelled-reason">${escapeHtml(t("cancelled_by", { reason: c.reason, by: c.by, at: c.at ? shortTime(c.at) : "—" }))}</div>` : "");
  $("#repairs").innerHTML = tickets.length ? `<table class="data" id="repairs-table"><thead><tr><th>${t("ticket")}</th>
      <th>${t("reported")}</th><th>${t("status")}</th><th></th></tr></thead><tbody>
    ${tickets.map((r) => `<tr data-ticket="${escapeHtml(r.ticket)}"><td><code>${escapeHtml(r.ticket)}</code>
        <div class="muted">${escapeHtml(r.pipe)} · ${escapeHtml(t(`sev_${r.severity}`))}</div></td>
      <td>${shortTime(r.reported_at)}</td>
      <td><span class="badge ticket-${escapeHtml(r.status)}">${escapeHtml(code("ticket", r.status))}</span>${cancelled(r.cancelled)}</td>
      <td class="action">${r.status === "open" ? `<button type="button" class="cancel-ticket needs-operator">${t("cancel_ticket")}</button>` : ""}</td></tr>`).join("")}</tbody></table>`
    : `<p class="help">${t("repairs_none")}</p>`;
  for (const b of document.querySelectorAll("#repairs-table button.cancel-ticket")) b.addEventListener("click", () => askTicketCancel(b.closest("tr")));
}

// *Cancel ticket*: the ticket and its jobs not yet started are cancelled, the reason in each
// job's history; the service refuses (409) while a crew is on the way or on site
function askTicketCancel(tr) {
  const ticket = tr.dataset.ticket;
  document.querySelector("#repairs-table tr.reason-row")?.remove();
  const row = document.createElement("tr");
  row.className = "reason-row";
  row.innerHTML = `<td colspan="4"></td>`;
  tr.after(row);
  askReason(row.firstElementChild, {
    confirm: t("cancel_ticket_confirm"),
    close: () => row.remove(),
    send: async (reason) => {
      const done = await api("POST", `/api/repairs/${encodeURIComponent(ticket)}/cancel`, { reason });
      state.ticketOutcome = { ticket, jobs: done.cancelled_jobs };
      await loadJobs(); // the ticket's row and its jobs, as they now stand
      $("#repairs-result").scrollIntoView({ block: "nearest" });
    },
    refused: (err) => t("ticket_not_cancelled", { ticket, why: err.message }),
  });
}

// -- notices -------------------------------------------------------------------------------

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function draftFromIsolation(plan) {
  const form = $("#notice-form");
  form.pipes.value = plan.breaks.join(",");
  form.inoperable.value = [...state.whatif].join(",");
  const start = new Date(Date.now() + 2 * 24 * 3600 * 1000);
  start.setHours(9, 0, 0, 0);
  form.start.value = localInput(start);
  form.end.value = localInput(new Date(start.getTime() + 6 * 3600 * 1000));
  if (!form.reason.value) form.reason.value = "pipe repair";
  if (!form.reason_zh.value) form.reason_zh.value = "管道维修";
  $("#notice-new").open = true;
  showTab("notices");
}

function wireNotices() {
  $("#notice-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {
      // Chinese first: the notice of record; the English reason is optional
      kind: f.kind.value, start: f.start.value, end: f.end.value, reason_zh: f.reason_zh.value.trim(),
      reason: f.reason.value.trim(),
      pipes: f.pipes.value.split(",").map((x) => x.trim()).filter(Boolean),
      inoperable: f.inoperable.value.split(",").map((x) => x.trim()).filter(Boolean),
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
  if (state.outage && outages.some((o) => o.id === state.outage.id)) await openNotice(state.outage.id);
}

// 城市供水条例 §22: a planned outage is approved by the water-supply authority before it is
// published (its approval on record); an emergency is reported to it while it is repaired.
function authorityForm(outage) {
  const planned = outage.kind === "planned";
  if (!["draft", "published", "updated"].includes(outage.state)) return "";
  if (planned && outage.state !== "draft") return "";
  return `<form id="authority-form" class="grid2 needs-dispatcher card">
    <p class="help wide">${t(planned ? "approval_help" : "report_help")}</p>
    <label><span>${t("authority")}</span><input name="authority" required maxlength="200" lang="zh-CN" placeholder="开封市城市管理局"></label>
    <label><span>${t(planned ? "approval_document" : "report_reference")}</span><input name="document" ${planned ? "required" : ""} maxlength="200" placeholder="${planned ? "汴城管供〔2026〕X号" : ""}"></label>
    <label><span>${t(planned ? "approved_at" : "reported_at")}</span><input name="at" type="datetime-local" ${planned ? "required" : ""}></label>
    <button type="submit">${t(planned ? "record_approval" : "record_report")}</button>
  </form>`;
}

async function openNotice(id) {
  const outage = await busy(() => api("GET", `/api/outages/${encodeURIComponent(id)}`));
  if (!outage) return;
  state.outage = outage;
  const [zh, en] = await Promise.all(["zh", "en"].map((f) => api("GET", `/api/outages/${encodeURIComponent(id)}/notice?format=${f}`).catch((e) => e.message)));
  const live = ["draft", "published", "updated"].includes(outage.state);
  const c = outage.content;
  $("#notice-detail").innerHTML = `
    <h3><code>${escapeHtml(outage.id)}</code> <span class="badge state-${escapeHtml(outage.state)}" id="notice-state">${escapeHtml(t(`state_${outage.state}`))}</span></h3>
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
      <label><span>${t("start")}</span><input name="start" type="datetime-local" value="${escapeHtml(c.start.slice(0, 16))}"></label>
      <label><span>${t("end")}</span><input name="end" type="datetime-local" value="${escapeHtml(c.end.slice(0, 16))}"></label>
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
    <ol class="revisions">${outage.revisions.map((r) => `<li>${shortTime(r.at)} · ${escapeHtml(t(`state_${r.state}`))} ${escapeHtml(r.note || "")}${r.note_zh ? ` — ${escapeHtml(r.note_zh)}` : ""}</li>`).join("")}</ol>`;
  const step = async (path, body) => {
    const done = await busy(() => api("POST", `/api/outages/${encodeURIComponent(id)}/${path}`, body, { version: outage.version, idempotent: true }));
    if (done) await loadNotices();
  };
  $("#notice-publish")?.addEventListener("click", () => step("publish", { acknowledge_overlaps: false }));
  const accounts = `/api/outages/${encodeURIComponent(id)}/accounts`;
  $("#notice-accounts-csv").addEventListener("click", () => busy(() => download(`${accounts}.csv`, `${id}-accounts.csv`)));
  $("#notice-accounts-xlsx").addEventListener("click", () => busy(() => download(`${accounts}.xlsx`, `${id}-accounts.xlsx`)));
  $("#authority-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    if (outage.kind === "planned") step("approval", { authority: f.authority.value.trim(), document: f.document.value.trim(), approved_at: f.at.value });
    else step("report", { authority: f.authority.value.trim(), reported_at: f.at.value || undefined, reference: f.document.value.trim() });
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
    step("update", { start: f.start.value || undefined, end: f.end.value || undefined, note: f.note.value, note_zh: f.note_zh?.value || "" });
  });
  if (c.area) {
    state.isoOverlay.clearLayers();
    const area = L.geoJSON(c.area, { renderer: state.work, style: { color: COLOURS.area, weight: 2, fillOpacity: 0.15 } }).addTo(state.isoOverlay);
    state.map.fitBounds(area.getBounds().pad(0.3));
  }
}

// -- leakage and the valve programme -------------------------------------------------------

function wireLeakage() {
  $("#analysis-select").addEventListener("change", (e) => openAnalysis(Number(e.target.value)));
  $("#leak-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    for (const [key, value] of [...data.entries()]) if (value instanceof File && !value.size) data.delete(key);
    const analysis = await busy(() => upload("/api/leakage/analyses", data));
    if (analysis) { e.target.reset(); await loadLeakage(analysis.id); }
  });
}

async function loadLeakage(select) {
  const analyses = await api("GET", "/api/leakage/analyses").catch(() => []);
  const sel = $("#analysis-select");
  sel.innerHTML = analyses.map((a) => `<option value="${escapeHtml(a.id)}">#${escapeHtml(a.id)} · ${escapeHtml(a.period.start)} – ${escapeHtml(a.period.end)}</option>`).join("");
  const want = select ?? state.analysis?.id ?? analyses[0]?.id;
  if (want) { sel.value = String(want); await openAnalysis(want); } else $("#leak-result").textContent = t("no_analysis");
  loadProgramme();
}

function fmt(x, digits = 0) { return Number(x).toLocaleString(currentLang() === "zh" ? "zh-CN" : "en", { maximumFractionDigits: digits }); }

async function openAnalysis(id) {
  const a = await busy(() => api("GET", `/api/leakage/analyses/${id}`));
  if (!a) return;
  state.analysis = a;
  const s = a.system;
  const c = a.cjj92;
  const rows = a.ranking.map((r, i) => `<tr data-dma="${escapeHtml(r.dma)}"><td class="num">${i + 1}</td><td>${escapeHtml(r.dma)} ${escapeHtml(r.name)}</td>
      <td class="num">${fmt(r.real_losses_m3_per_day)}</td><td class="num">${fmt(r.ili, 1)}</td><td class="num">${fmt(r.recoverable_m3_per_day)}</td></tr>`).join("");
  $("#leak-result").innerHTML = `
    <div class="summary" id="leak-summary">
      <div>${t("system_input")} ${fmt(s.system_input_m3)} m³ · ${t("real_losses")} ${fmt(s.real_losses_m3)} m³ · ${t("nrw")} ${fmt(s.non_revenue_pct, 1)} %</div>
      <div>${t("cjj92")}: <span class="big">${fmt(c.rate_pct, 2)} %</span> ${escapeHtml(c.grade)}</div>
      <div>${t("ili")}: ${fmt(a.ili.ili, 2)}</div>
    </div>
    <h4>${t("ranking")}</h4>
    <table class="data clickable" id="ranking-table"><thead><tr><th>#</th><th>DMA</th><th class="num">${t("real_losses")} m³/d</th><th class="num">ILI</th><th class="num">${t("recoverable")}</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="row needs-dispatcher"><button type="button" id="survey-jobs" class="primary">${t("survey_jobs")}</button><span id="survey-result"></span></div>
    <h4>${t("bursts")} (${a.bursts.length})</h4>
    <table class="data" id="bursts-table"><thead><tr><th>DMA</th><th>${t("started")}</th><th class="num">${t("size")}</th></tr></thead><tbody>
      ${a.bursts.map((b) => `<tr><td>${escapeHtml(b.dma)}</td><td>${escapeHtml(b.started)}</td><td class="num">${fmt(b.size_m3h, 1)}</td></tr>`).join("")}</tbody></table>
    <h4>${t("outreach")} (${a.outreach.length})</h4>
    <ul class="outreach">${a.outreach.slice(0, 15).map((f) => `<li><code>${escapeHtml(f.customer)}</code> ${escapeHtml(code("outreach", f.kind))} ${fmt(f.value, 2)} (×${fmt(f.ratio, 1)})</li>`).join("")}</ul>`;
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
  const [report, programme] = await Promise.all([
    api("GET", `/api/networks/${state.networkId}/valve-programme/report`).catch(() => null),
    api("GET", `/api/networks/${state.networkId}/valve-programme?top=10`).catch(() => null),
  ]);
  if (!report || !programme) return;
  $("#programme").innerHTML = `
    <div class="summary" id="programme-summary">
      <div>${t("at_risk_before")}: <span class="big">${fmt(report.extra_customers_at_risk_before)}</span> ${t("extra_customers_short")}</div>
      <div>${t("at_risk_after")}: <span class="big">${fmt(report.extra_customers_at_risk_after)}</span> (−${fmt(report.reduction_pct)} %)</div>
      <div>${t("due_valves")}: ${fmt(programme.total)} (${fmt(programme.critical)} critical)</div>
    </div>
    <table class="data clickable" id="programme-table"><thead><tr><th>${t("valve")}</th><th>${t("area")}</th><th>${t("last_exercised")}</th><th class="num">${t("extra_customers_short")}</th></tr></thead><tbody>
      ${programme.due.map((v) => `<tr data-valve="${escapeHtml(v.valve)}"><td><code>${escapeHtml(v.valve)}</code>${v.critical ? " ★" : ""}</td><td>${escapeHtml(v.area)}</td>
        <td>${v.last_exercised ? escapeHtml(v.last_exercised) : t("never")}</td><td class="num">${fmt(v.extra_customers_if_failed)}</td></tr>`).join("")}</tbody></table>
    <div class="row needs-dispatcher"><button type="button" id="add-exercises">${t("add_exercises")}</button><span id="exercise-result"></span></div>`;
  for (const tr of document.querySelectorAll("#programme-table tbody tr")) tr.addEventListener("click", () => focusValve(tr.dataset.valve));
  $("#add-exercises").addEventListener("click", async () => {
    const jobs = await busy(() => api("POST", "/api/valve-exercises", { count: 20 }));
    if (jobs) $("#exercise-result").textContent = t("jobs_created", { n: jobs.length });
  });
}

boot();

// -- the working-day calendar ---------------------------------------------------------------

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

function wireCalendar() {
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
