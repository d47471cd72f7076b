// The dispatcher's and engineer's console: a thin client of the service's API (docs/console.md).
// This entry signs in, draws the map and wires the tabs, one module each in console/ over the
// little they share (console/state.js).
/* global L */
import { api, me, signIn, signOut, token, whenSignedOut } from "./api.js";
import { applyStrings, code, currentLang, escapeHtml, onLangChange, setLang, t } from "./i18n.js";
import { COLOURS, createMap, customerLayers, layerControl, legend, networkLayers } from "./map.js";
import { loadNetworks, rerenderNetworks, wireNetworks } from "./networks.js";
import { calendarTab, wireCalendar } from "./console/calendar.js";
import { crewsTab, wireCrews } from "./console/crews.js";
import { wireClocks } from "./console/format.js";
import { wireEmergency } from "./console/emergency.js";
import { isolate, isolationTab, wireIsolation } from "./console/isolation.js";
import { leakageTab, wireLeakage } from "./console/leakage.js";
import { noticesTab, wireNotices } from "./console/notices.js";
import { planTab, wirePlan } from "./console/plan.js";
import { $, state } from "./console/state.js";
import { busy, errorText } from "./console/status.js";
import { registerTab, rerenderTabs, showTab } from "./console/tabs.js";
import { valvesTab } from "./console/valves.js";
import { jobsOverlay, loadJobMarkers, openJob, wireWork, workTab } from "./console/work.js";

// the tabs, in the order they redraw when the language changes
registerTab("isolation", isolationTab);
registerTab("valves", valvesTab);
registerTab("plan", planTab);
registerTab("notices", noticesTab);
registerTab("work", workTab);
registerTab("leakage", leakageTab);
registerTab("calendar", calendarTab);
registerTab("crews", crewsTab);
registerTab("networks", {
  show() {
    loadNetworks();
  },
  rerender(shown) {
    if (shown) rerenderNetworks();
  },
});

// -- start ---------------------------------------------------------------------------------

async function boot() {
  applyStrings();
  wireClocks();
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
    if (me()?.role === "crew") { toFieldApp(); return; }
    await start();
  } catch (err) {
    $("#login-error").textContent = err.status === 401 ? t("bad_login") : errorText(err);
  }
}

// a crew's account opens only the field routes (docs/field-app.md): say where its app is
function toFieldApp() {
  signOut();
  const p = $("#login-error");
  p.textContent = `${t("crew_use_field")} `;
  const a = document.createElement("a");
  a.href = "/field";
  a.textContent = t("crew_field_link");
  p.append(a);
}

async function start() {
  if (me()?.role === "crew") { toFieldApp(); return; }
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
  wirePicks();
  wirePlan();
  wireEmergency();
  wireWork();
  wireNotices();
  wireLeakage();
  wireCalendar();
  wireCrews();
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
    loadJobMarkers();
  });
}

async function layerJson(path) { return api("GET", path); }

// the layer control, in the current language (map.js redraws it when the language changes)
function addLayerControl() {
  const c = state.layers;
  layerControl(state.map, [
    ["pipes", c.pipes], ["dmas", c.dmas], ["sources", c.sources], ["depots", state.depots],
    ["tab_isolation", state.isoOverlay], ["routes", state.planOverlay], ["open_jobs", jobsOverlay()],
  ]);
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

// the language changed: the signed-in line and every tab
function rerender() {
  const user = me();
  if (user) $("#who").textContent = t("signed_in_as", { user: user.username, role: code("role", user.role) });
  rerenderTabs();
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

// the console's state and its job detail, for the browser tests and a curious engineer's
// devtools (nothing of the page reads them from here)
window.waterops = { state, openJob };

boot();
