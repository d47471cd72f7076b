// The public outage page: no sign-in; current and planned notices on a map and as a list.
/* global L */
import { publicJson } from "./api.js";
import { applyStrings, currentLang, escapeHtml, onLangChange, setLang, shortTime, t } from "./i18n.js";
import { createMap, roadLayer } from "./map.js";

const state = { map: null, overlay: null, notices: [], config: null };

async function boot() {
  applyStrings();
  document.querySelector("#lang").addEventListener("click", () => setLang(currentLang() === "zh" ? "en" : "zh"));
  onLangChange(render);
  state.config = await publicJson("/public/config");
  document.querySelector("#hotline").textContent = state.config.hotline || "";
  state.map = await createMap("map", state.config);
  await roadLayer(state.map);
  state.overlay = L.layerGroup().addTo(state.map);
  await refresh();
  setInterval(refresh, 60_000);
}

async function refresh() {
  try {
    state.notices = await publicJson("/public/notices");
  } catch (err) {
    document.querySelector("#list").textContent = `${t("error")}: ${err.message}`;
    return;
  }
  render();
}

function render() {
  const zh = currentLang() === "zh";
  state.overlay.clearLayers();
  const list = document.querySelector("#list");
  if (!state.notices.length) { list.innerHTML = `<p>${t("public_none")}</p>`; return; }
  const bounds = L.latLngBounds([]);
  list.innerHTML = state.notices.map((n) => {
    const reason = zh ? n.reason_zh || n.reason : n.reason;
    const streets = n.streets.join(zh ? "、" : ", ");
    return `<article class="notice card" id="notice-${escapeHtml(n.id)}" data-outage="${escapeHtml(n.id)}">
      <h3>${escapeHtml(t(`kind_${n.kind}`))} · ${escapeHtml(reason)} <span class="badge state-${escapeHtml(n.state)}">${escapeHtml(t(`state_${n.state}`))}</span></h3>
      <p><strong>${t("time_window")}:</strong> ${shortTime(n.start)} – ${shortTime(n.end)}</p>
      <p><strong>${t("affected_streets")}:</strong> ${escapeHtml(streets) || "—"}</p>
      <p><strong>${t("affected_customers")}:</strong> ${escapeHtml(n.customers.total)} · ${escapeHtml(n.customers.accounts)} ${t("accounts")}</p>
      <p class="muted">${t("updated_at")} ${shortTime(n.updated_at)} · <a href="/public/notices/${encodeURIComponent(n.id)}.ics">iCal</a> · <a href="/public/notices/${encodeURIComponent(n.id)}.cap">CAP</a></p>
    </article>`;
  }).join("");
  for (const n of state.notices) {
    if (!n.area) continue;
    const colour = n.kind === "emergency" ? "#c92a2a" : "#f08c00";
    const layer = L.geoJSON(n.area, { style: { color: colour, weight: 2, fillOpacity: 0.25 } })
      .bindTooltip(`${escapeHtml(n.id)} · ${shortTime(n.start)} – ${shortTime(n.end)}`).addTo(state.overlay);
    layer.on("click", () => document.querySelector(`#notice-${CSS.escape(n.id)}`)?.scrollIntoView({ behavior: "smooth" }));
    bounds.extend(layer.getBounds());
  }
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.5), { maxZoom: 16, animate: false });
}

boot();
