// What the console's tabs share (docs/console.md): the network shown, the map and the layers
// drawn over it, the crews, the tab shown and a point being picked on the map. What one tab
// alone keeps (its plan, its analysis, the job opened) stays in that tab's module.
export const state = {
  config: null, networkId: null, tab: "isolation",
  // the map, its network layers, the renderer of the console's own drawings ("work" pane) and
  // the overlays: an isolation (or an area, a valve, a DMA), the plan routes, a picked point
  map: null, layers: null, work: null, isoOverlay: null, planOverlay: null, pickOverlay: null,
  crews: [], depots: null,
  pick: null, // the id of the form a map click fills in, while the dispatcher picks a point
};

export const $ = (sel, root = document) => root.querySelector(sel);
