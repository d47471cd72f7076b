// One public notice page: draws the map of the notice's area over the streets (the text is in
// the page already, rendered by the service); on the printable sheet, the print button.
/* global L */
import { publicJson } from "./api.js";
import { createMap, roadLayer } from "./map.js";

const COLOURS = { planned: "#f08c00", emergency: "#c92a2a" };

async function boot() {
  const article = document.querySelector("#notice");
  document.querySelector("#print")?.addEventListener("click", () => window.print());
  const id = article.dataset.outage;
  const [config, notice] = await Promise.all([
    publicJson("/public/config"),
    publicJson(`/public/notices/${encodeURIComponent(id)}`),
  ]);
  const map = await createMap("map", config);
  await roadLayer(map);
  if (notice.area) {
    const colour = COLOURS[notice.kind] || COLOURS.planned;
    const layer = L.geoJSON(notice.area, { style: { color: colour, weight: 2, fillOpacity: 0.3 } }).addTo(map);
    map.fitBounds(layer.getBounds().pad(0.4), { maxZoom: 17, animate: false });
  }
  // what the map shows, for the printer (and the tests): the area, or only the streets
  document.body.dataset.mapReady = notice.area ? "area" : "streets";
}

boot();
