// The map: Leaflet on a canvas renderer (thousands of pipes and valves), no background tiles
// unless the service is configured with a tile URL (WATEROPS_MAP_TILES).
/* global L */
import { escapeHtml, onLangChange, t } from "./i18n.js";

export const COLOURS = {
  isolated: "#e8590c", unintended: "#9c36b5", close: "#c92a2a", area: "#f08c00",
  inoperable: "#c92a2a", normallyClosed: "#1c7ed6", valve: "#495057", critical: "#d6336c",
  // the reduced-pressure area (EPANET): a dark-gold hatch and dashed edge, apart from the blue
  // pipes, the orange/purple shut area and the green DMA edges (issue 17, trial item 4)
  reducedPressure: "#b08800",
};

// The SVG hatch the reduced-pressure area is filled with (CSS path.reduced-pressure fills with
// url(#hatch-reduced)): defined once in the page, for every SVG renderer of the map.
export function hatchDefs() {
  if (document.getElementById("hatch-reduced")) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.setAttribute("aria-hidden", "true");
  svg.style.position = "absolute";
  svg.innerHTML = `<defs><pattern id="hatch-reduced" patternUnits="userSpaceOnUse" width="9" height="9" patternTransform="rotate(45)">
    <rect width="9" height="9" fill="${COLOURS.reducedPressure}" fill-opacity="0.08"></rect>
    <line x1="0" y1="0" x2="0" y2="9" stroke="${COLOURS.reducedPressure}" stroke-width="3.5" stroke-opacity="0.6"></line></pattern></defs>`;
  document.body.append(svg);
}
// routes: distinct colours per crew (Okabe–Ito and friends, readable on white)
export const ROUTE_COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
  "#7b2d26", "#3f007d", "#2b8a3e", "#868e96", "#f03e3e", "#1864ab"];

export function pipeWeight(dn) {
  if (!dn) return 1;
  if (dn >= 600) return 5;
  if (dn >= 300) return 3.5;
  if (dn >= 200) return 2.2;
  if (dn >= 100) return 1.4;
  return 0.9;
}

export function pipeColour(dn) {
  if (!dn) return "#adb5bd";
  if (dn >= 600) return "#1b3a5c";
  if (dn >= 300) return "#1c5d99";
  if (dn >= 150) return "#4a90c2";
  return "#8fb8d8";
}

export async function createMap(elementId, config) {
  const map = L.map(elementId, { preferCanvas: true, zoomControl: true, attributionControl: true });
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19, attribution: escapeHtml(config.attribution || "") }).addTo(map);
  } else {
    map.getContainer().classList.add("no-tiles");
    map.attributionControl.setPrefix(false);
    let note = t("map_no_tiles");
    map.attributionControl.addAttribution(note);
    onLangChange(() => {
      map.attributionControl.removeAttribution(note);
      note = t("map_no_tiles");
      map.attributionControl.addAttribution(note);
    });
  }
  if (config.bounds) map.fitBounds(config.bounds, { padding: [10, 10] });
  else map.setView([34.8, 114.35], 13);
  L.control.scale({ imperial: false }).addTo(map);
  return map;
}

// the network's layers, fetched with the token; returns {pipes, valves, dmas, ...} Leaflet layers
export async function networkLayers(map, networkId, fetchLayer, handlers) {
  const [pipes, valves, dmas, sources] = await Promise.all(
    ["pipes", "valves", "dmas", "sources"].map((l) => fetchLayer(`/api/networks/${networkId}/map/${l}`)),
  );
  const renderer = L.canvas({ tolerance: 6 });
  const out = {};
  out.dmas = L.geoJSON(dmas, {
    style: () => ({ color: "#2f9e44", weight: 1.5, dashArray: "6 4", fill: true, fillOpacity: 0.03 }),
    interactive: false,
    onEachFeature: (f, layer) => layer.bindTooltip(`${escapeHtml(f.id)} ${escapeHtml(f.properties.name || "")}`,
      { permanent: false, sticky: true }),
  }).addTo(map);
  out.pipeById = new Map();
  out.pipes = L.geoJSON(pipes, {
    renderer,
    style: (f) => ({ color: pipeColour(f.properties.dn), weight: pipeWeight(f.properties.dn), opacity: 0.9 }),
    onEachFeature: (f, layer) => {
      out.pipeById.set(f.id, layer);
      layer.on("click", (e) => { L.DomEvent.stopPropagation(e); handlers.pipe(f, e.latlng); });
    },
  }).addTo(map);
  out.valveById = new Map();
  out.valves = L.geoJSON(valves, {
    pointToLayer: (f, latlng) => {
      const p = f.properties;
      const bad = !p.operable || p.found_inoperable;
      return L.circleMarker(latlng, {
        renderer, radius: bad ? 4.5 : 2.5, weight: bad ? 2 : 1,
        color: bad ? COLOURS.inoperable : p.normally_closed ? COLOURS.normallyClosed : COLOURS.valve,
        fillColor: bad ? "#fff" : p.normally_closed ? COLOURS.normallyClosed : "#fff", fillOpacity: 1,
      });
    },
    onEachFeature: (f, layer) => {
      out.valveById.set(f.id, layer);
      layer.valveId = f.id;
      const p = f.properties;
      layer.bindTooltip(() => `${escapeHtml(f.id)} · ${escapeHtml(p.pipe)}` +
        `${!p.operable || p.found_inoperable ? ` · ${t("legend_inoperable")}` : ""}` +
        `${p.normally_closed ? ` · ${t("legend_normally_closed")}` : ""}`);
    },
  });
  out.sources = L.geoJSON(sources, {
    pointToLayer: (f, latlng) => L.marker(latlng, { icon: L.divIcon({ className: "icon-source", html: "▲", iconSize: [18, 18] }) })
      .bindTooltip(escapeHtml(f.properties.name || f.id)),
  }).addTo(map);
  out.valveLeaders = L.layerGroup();
  const toggleValves = () => {
    if (map.getZoom() >= 15) out.valves.addTo(map); else out.valves.remove();
    declutterValves(map, out, renderer);
  };
  map.on("zoomend", toggleValves);
  toggleValves();
  return out;
}

// Valves a few metres apart (the two sides of a node, 3–8 m in the sample city) would hide one
// another: from DECLUTTER_ZOOM on, those closer on screen than VALVE_GAP_PX are fanned out
// around their centre, each with a thin leader line to where it really is; below it (the
// overview) and for a lone valve the marker sits on its point.
export const DECLUTTER_ZOOM = 17;
export const VALVE_GAP_PX = 12;

export function declutterValves(map, out, renderer) {
  out.valveLeaders.clearLayers();
  const zoom = map.getZoom();
  const markers = [...out.valveById.values()];
  for (const m of markers) {
    if (!m.truePosition) m.truePosition = m.getLatLng();
  }
  if (zoom < DECLUTTER_ZOOM || !map.hasLayer(out.valves)) {
    for (const m of markers) m.setLatLng(m.truePosition);
    out.valveLeaders.remove();
    return;
  }
  // groups of markers within VALVE_GAP_PX of another (a grid of that size, neighbours joined)
  const pts = markers.map((m) => map.project(m.truePosition, zoom));
  const cell = new Map();
  pts.forEach((p, i) => {
    const key = `${Math.floor(p.x / VALVE_GAP_PX)},${Math.floor(p.y / VALVE_GAP_PX)}`;
    if (!cell.has(key)) cell.set(key, []);
    cell.get(key).push(i);
  });
  const parent = pts.map((_, i) => i);
  const root = (i) => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  pts.forEach((p, i) => {
    const cx = Math.floor(p.x / VALVE_GAP_PX);
    const cy = Math.floor(p.y / VALVE_GAP_PX);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cell.get(`${cx + dx},${cy + dy}`) || []) {
          if (j > i && p.distanceTo(pts[j]) < VALVE_GAP_PX) parent[root(j)] = root(i);
        }
      }
    }
  });
  const groups = new Map();
  pts.forEach((_, i) => {
    const r = root(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r).push(i);
  });
  for (const members of groups.values()) {
    if (members.length === 1) { markers[members[0]].setLatLng(markers[members[0]].truePosition); continue; }
    members.sort((a, b) => (markers[a].valveId < markers[b].valveId ? -1 : 1));
    const c = members.reduce((acc, i) => acc.add(pts[i]), L.point(0, 0)).divideBy(members.length);
    // spread on a circle whose chord between neighbours is VALVE_GAP_PX at least
    const radius = Math.max(VALVE_GAP_PX, VALVE_GAP_PX / (2 * Math.sin(Math.PI / members.length)));
    members.forEach((i, k) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * k) / members.length;
      const at = map.unproject(c.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius)), zoom);
      markers[i].setLatLng(at);
      L.polyline([markers[i].truePosition, at], { renderer, color: "#868e96", weight: 1, interactive: false })
        .addTo(out.valveLeaders);
    });
  }
  out.valveLeaders.addTo(map);
}

// customers: loaded on first zoom-in; the critical ones always shown, highlighted
export function customerLayers(map, networkId, fetchLayer) {
  const critical = L.layerGroup().addTo(map);
  const all = L.layerGroup();
  let loaded = null;
  async function load() {
    if (!loaded) {
      loaded = fetchLayer(`/api/networks/${networkId}/map/customers`).then((data) => {
        const renderer = L.canvas();
        for (const f of data.features) {
          const [lon, lat] = f.geometry.coordinates;
          const p = f.properties;
          const label = `${escapeHtml(p.name || f.id)} · ${escapeHtml(t(`cat_${p.category}`))}` +
            `${p.address ? ` · ${escapeHtml(p.address)}` : ""}`;
          if (p.critical) {
            L.marker([lat, lon], { icon: L.divIcon({ className: "icon-critical", html: "✚", iconSize: [16, 16] }) })
              .bindTooltip(`${label} (${escapeHtml(p.critical)})`).addTo(critical);
          } else {
            L.circleMarker([lat, lon], { renderer, radius: 2, weight: 0, fillColor: "#868e96", fillOpacity: 0.8 })
              .bindTooltip(label).addTo(all);
          }
        }
      });
    }
    return loaded;
  }
  const toggle = () => {
    if (map.getZoom() >= 16) { load(); all.addTo(map); } else all.remove();
  };
  map.on("zoomend", toggle);
  load();
  toggle();
  return { critical, all };
}

export function numberedIcon(n, cls = "icon-valve-close") {
  return L.divIcon({ className: cls, html: String(n), iconSize: [22, 22] });
}

// streets for orientation (the public page: no pipes)
export async function roadLayer(map) {
  const data = await fetch("/public/map/roads").then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (!data) return null;
  return L.geoJSON(data, {
    renderer: L.canvas({ tolerance: 4 }),
    style: () => ({ color: "#adb5bd", weight: 2, opacity: 0.9 }),
    onEachFeature: (f, layer) => { if (f.properties.name) layer.bindTooltip(escapeHtml(f.properties.name), { sticky: true }); },
  }).addTo(map);
}

// the layer control, its names in the current language (rebuilt when it changes; what is shown
// stays shown): `entries` are [i18n key, layer] pairs
export function layerControl(map, entries) {
  let control = null;
  const draw = () => {
    const collapsed = !control || !control.getContainer().classList.contains("leaflet-control-layers-expanded");
    if (control) control.remove();
    control = L.control.layers(null, Object.fromEntries(entries.filter(([, l]) => l).map(([k, l]) => [t(k), l])),
      { collapsed: true }).addTo(map);
    if (!collapsed) control.expand();
  };
  draw();
  onLangChange(draw);
  return control;
}

// what the colours mean, in the current language
export function legend(map) {
  const control = L.control({ position: "bottomleft" });
  const swatch = (colour, w = 12, h = 4) => `<span class="swatch" style="background:${colour};width:${w}px;height:${h}px"></span>`;
  const draw = () => `
    <div>${swatch(pipeColour(600), 14, 5)}DN≥600 ${swatch(pipeColour(300), 14, 4)}≥300 ${swatch(pipeColour(150), 14, 3)}≥150 ${swatch(pipeColour(100), 14, 2)}&lt;150</div>
    <div><span class="dot" style="border-color:${COLOURS.inoperable}"></span>${t("legend_inoperable")}
      <span class="dot" style="background:${COLOURS.normallyClosed};border-color:${COLOURS.normallyClosed}"></span>${t("legend_normally_closed")}</div>
    <div><span class="icon-critical">✚</span>${t("critical_customers")} <span class="icon-depot">■</span>${t("depots")} <span class="icon-source">▲</span>${t("sources")}</div>
    <div>${swatch(COLOURS.isolated, 14, 5)}${t("isolated_area")} ${swatch(COLOURS.unintended, 14, 5)}${t("unintended_area")}
      <span class="legend-reduced"><span class="swatch hatch-reduced"></span>${t("reduced_pressure_area")}</span></div>`;
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    div.innerHTML = draw();
    onLangChange(() => { div.innerHTML = draw(); });
    return div;
  };
  control.addTo(map);
  return control;
}

// The key of the line of `lines` (key -> L.Polyline on `map`) nearest a point of the map's
// container, within `tolerance` pixels; null when none is that near (a drop on a route).
export function nearestLine(map, point, lines, tolerance = 12) {
  let best = null;
  let nearest = tolerance;
  for (const [key, line] of lines) {
    const points = line.getLatLngs().map((ll) => map.latLngToContainerPoint(ll));
    for (let i = 1; i < points.length; i++) {
      const d = L.LineUtil.pointToSegmentDistance(point, points[i - 1], points[i]);
      if (d < nearest) { nearest = d; best = key; }
    }
  }
  return best;
}
