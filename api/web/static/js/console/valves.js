// The valve criticality tab (阀门重要度): the valves whose failure costs most, and the worst
// break of each isolated with that valve failed.
/* global L */
import { api } from "../api.js";
import { currentLang, escapeHtml, t } from "../i18n.js";
import { COLOURS, DECLUTTER_ZOOM } from "../map.js";
import { isolate, setWhatif } from "./isolation.js";
import { $, state } from "./state.js";
import { busy, say } from "./status.js";
import { showTab } from "./tabs.js";

let criticality = null; // the ranking, loaded when the tab is first shown

export const valvesTab = {
  show() {
    if (!criticality) loadCriticality();
  },
  rerender() {
    if (criticality) renderCriticality();
  },
};

async function loadCriticality() {
  $("#crit-table").textContent = t("loading");
  const data = await busy(() => api("GET", `/api/networks/${state.networkId}/criticality?top=50`));
  if (!data) return;
  criticality = data.valves;
  renderCriticality();
}

function renderCriticality() {
  const rows = criticality.map((v, i) => `<tr data-valve="${escapeHtml(v.valve)}" data-pipe="${escapeHtml(v.worst_break_pipe || "")}">
      <td class="num">${i + 1}</td><td><code>${escapeHtml(v.valve)}</code></td><td class="num">${v.extra_customers}</td>
      <td class="num">${v.extra_critical}</td><td class="num">${Math.round(v.extra_length_m).toLocaleString(currentLang() === "zh" ? "zh-CN" : "en")}</td><td>${v.operable ? t("yes") : t("no")}</td>
      <td><button type="button" class="link worst">${t("isolate_worst")}</button></td></tr>`).join("");
  $("#crit-table").innerHTML = `<table class="data clickable"><thead><tr><th>${t("rank")}</th><th>${t("valve")}</th>
      <th class="num">${t("extra_customers")}</th><th class="num">${t("extra_critical")}</th><th class="num">${t("extra_length")}</th>
      <th>${t("operable")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  for (const tr of document.querySelectorAll("#crit-table tbody tr")) {
    tr.addEventListener("click", (e) => {
      if (e.target.classList.contains("worst")) {
        if (tr.dataset.pipe) { setWhatif([tr.dataset.valve]); showTab("isolation"); isolate({ pipe: tr.dataset.pipe }); }
        return;
      }
      for (const x of document.querySelectorAll("#crit-table tr.selected")) x.classList.remove("selected");
      tr.classList.add("selected");
      focusValve(tr.dataset.valve);
    });
  }
}

// a valve of a list found on the map: the view centred on it close enough to tell it from its
// neighbours (map.js fans out valves a few metres apart from DECLUTTER_ZOOM), a ring around its
// marker and its id beside it
export function focusValve(valveId) {
  const layer = state.layers?.valveById.get(valveId);
  if (!layer) { say(t("valve_not_on_map", { id: valveId }), "error"); return; }
  const where = layer.truePosition || layer.getLatLng();
  state.map.setView(where, Math.max(state.map.getZoom(), DECLUTTER_ZOOM + 1), { animate: false });
  state.isoOverlay.clearLayers();
  L.circleMarker(layer.getLatLng(), { renderer: state.work, radius: 14, color: COLOURS.critical, weight: 3, fill: false, className: "valve-focus" })
    .bindTooltip(escapeHtml(valveId), { permanent: true }).addTo(state.isoOverlay);
}
