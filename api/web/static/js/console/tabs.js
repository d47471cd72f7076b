// The tabs of the console: each registers what it does when shown, when the language changes
// and (optionally) when another tab is shown; console.js registers them in this order.
import { $, state } from "./state.js";

const tabs = new Map(); // name -> { show(), rerender(shown), tabChanged(name) }

export function registerTab(name, { show = null, rerender = null, tabChanged = null } = {}) {
  tabs.set(name, { show, rerender, tabChanged });
}

export function showTab(name) {
  if (!$(`[data-panel="${name}"]`)) name = "isolation";
  state.tab = name;
  for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== name;
  for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const tab of tabs.values()) tab.tabChanged?.(name);
  history.replaceState(null, "", `#${name}`);
  tabs.get(name)?.show?.();
  setTimeout(() => state.map && state.map.invalidateSize(), 0);
}

// the language changed: every tab redraws what it shows (`shown`: it is the tab shown)
export function rerenderTabs() {
  for (const [name, tab] of tabs) tab.rerender?.(name === state.tab);
}
