// Live from the field (docs/field-app.md): the crews' reports, positions and widened isolations
// reach the dispatcher's console as server-sent events (GET /api/live), read with fetch so that
// the token goes in a header (an EventSource cannot send one) and resumed with Last-Event-ID.
// A panel over the map lists the latest events; a widened isolation is also an alert; each
// crew's last shared position is a marker on the map. A crew whose phone holds reports the
// service kept failing on (its outbox summary, event "outbox") has a line of its own at the
// panel's head, collapsed or not, until its phone says they have gone.
/* global L */
import { token } from "../api.js";
import { code, escapeHtml, onLangChange, refusal, shortTime, t } from "../i18n.js";
import { state } from "./state.js";

const KEEP = 30; // events listed
const events = [];
const positions = new Map(); // crew -> event
const held = new Map(); // crew -> its last outbox summary holding reports
let markers = null;
let connected = false;
let panel = null;

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function signedIn() {
  try {
    const user = JSON.parse(sessionStorage.getItem("waterops.user") || "null");
    return Boolean(token() && user && user.role !== "crew");
  } catch { return false; }
}

function ensurePanel() {
  if (panel) return panel;
  panel = document.createElement("section");
  panel.id = "live";
  panel.setAttribute("aria-live", "polite");
  // a cell of the console's layout (css/app.css): over the map's corner on a wide screen, a
  // bar under the map on a phone, where it pushes the timeline down rather than cover its foot;
  // collapsed there until asked for (a widened isolation still comes as an alert)
  if (window.matchMedia("(max-width: 900px)").matches) panel.dataset.collapsed = "1";
  (document.querySelector("#app.layout") || document.body).appendChild(panel);
  panel.addEventListener("click", (e) => {
    if (e.target.id === "live-toggle") { panel.dataset.collapsed = panel.dataset.collapsed ? "" : "1"; render(); }
  });
  return panel;
}

// "crew X: N reports not sent since HH:MM (error)": the oldest's time on the phone, with its
// day when it was not the day the summary came
function heldText(e) {
  const oldest = shortTime(e.oldest);
  const since = (e.oldest || "").slice(0, 10) === (e.at || "").slice(0, 10) ? oldest.slice(6) : oldest;
  const err = e.error || {};
  const why = err.network ? t("field_send_network") : t("field_send_status", { status: err.status ?? "", detail: err.detail || "" }).trim();
  return t("live_outbox", { crew: e.crew, n: e.held, since, why });
}

function describe(e) {
  if (e.event === "outbox") return e.held ? heldText(e) : t("live_outbox_sent", { crew: e.crew });
  if (e.event === "isolation_widened") {
    return t("live_widened", { crew: e.crew, valve: e.valve, ticket: e.ticket, valves: (e.added_valves || []).join(", ") || "—" });
  }
  if (e.event === "position") return t("live_position", { crew: e.crew });
  if (e.event === "report_refused") {
    // a crew's report the service refused: kept, and said why in the reader's language
    return t("live_refused", { crew: e.crew, job: e.job, kind: code("report", e.kind), why: refusal(e.code, e.params, e.detail) });
  }
  const words = [code("report", e.kind)];
  if (e.reason) words.push(`— ${e.reason}`);
  if (e.valve) words.push(e.valve);
  if (e.note) words.push(`(${e.note})`);
  return `${t("live_report", { crew: e.crew, job: e.job, kind: words.join(" ") })} → ${code("status", e.status)}`;
}

function render() {
  if (!signedIn()) { if (panel) panel.hidden = true; return; }
  const p = ensurePanel();
  p.hidden = false;
  const collapsed = Boolean(p.dataset.collapsed);
  const shown = events.filter((e) => e.event !== "position").slice(-KEEP).reverse();
  p.innerHTML = `<div style="display:flex;gap:8px;align-items:center"><strong>${escapeHtml(t("live_title"))}</strong>
      <span class="muted" id="live-state">${escapeHtml(connected ? t("live_connected") : t("live_reconnecting"))}</span>
      <span style="flex:1"></span>
      <button type="button" class="link" id="live-toggle" aria-expanded="${!collapsed}">${escapeHtml(collapsed ? `${t("live_expand")} (${shown.length})` : t("live_hide"))}</button></div>`
    + (held.size ? `<ul id="live-held" style="list-style:none;margin:4px 0 0;padding:0">${[...held.values()]
      .sort((a, b) => String(a.oldest).localeCompare(String(b.oldest)))
      .map((e) => `<li data-crew="${escapeHtml(e.crew)}" data-job="${escapeHtml(e.job || "")}" style="padding:3px 6px;margin-top:2px;background:#fff4e6;color:#a23d00;border-left:3px solid #e8590c">
          ${escapeHtml(heldText(e))}</li>`).join("")}</ul>` : "")
    + (collapsed ? "" : `<ul id="live-list" style="list-style:none;margin:4px 0 0;padding:0">${shown.length
      ? shown.map((e) => `<li data-event="${escapeHtml(e.event)}" data-crew="${escapeHtml(e.crew)}" data-job="${escapeHtml(e.job || "")}"
          style="padding:3px 0;border-top:1px dotted #dee2e6;${e.event === "isolation_widened" ? "color:#c92a2a;font-weight:600" : e.event === "report_refused" ? "color:#c92a2a" : e.event === "outbox" && e.held ? "color:#a23d00" : ""}">
          <time class="muted">${escapeHtml(shortTime(e.made_at || e.at).slice(6))}</time> ${escapeHtml(describe(e))}</li>`).join("")
      : `<li class="muted">${escapeHtml(t("live_none"))}</li>`}</ul>`);
}

function alertOf(e) {
  const box = document.createElement("div");
  box.className = "live-alert";
  box.setAttribute("role", "alert");
  box.style.cssText = "position:fixed;top:52px;left:50%;transform:translateX(-50%);z-index:1300;max-width:90vw;"
    + "background:#c92a2a;color:#fff;padding:10px 14px;border-radius:6px;box-shadow:0 2px 10px rgba(0,0,0,.3)";
  box.textContent = describe(e);
  box.addEventListener("click", () => box.remove());
  document.body.appendChild(box);
  setTimeout(() => box.remove(), 20_000);
}

function drawPositions() {
  if (!state.map) return;
  if (!markers) markers = L.layerGroup().addTo(state.map);
  markers.clearLayers();
  for (const p of positions.values()) {
    L.circleMarker([p.lat, p.lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#e8590c", fillOpacity: 1 })
      .bindTooltip(`${escapeHtml(p.crew)} · ${escapeHtml(shortTime(p.at))}`, { permanent: true, direction: "right", className: "live-crew" })
      .addTo(markers);
  }
}

// a crew's last outbox summary (the newest by id: the list at start and the stream may cross)
function keepHeld(e) {
  const seen = held.get(e.crew);
  if (seen && seen.id > e.id) return;
  if (e.held) held.set(e.crew, e);
  else held.delete(e.crew);
}

function take(e, fresh) {
  if (e.event === "position") {
    positions.set(e.crew, e);
    drawPositions();
    return;
  }
  if (e.event === "report" && e.lon !== undefined) positions.set(e.crew, e);
  if (e.event === "outbox") keepHeld(e);
  events.push(e);
  if (events.length > 200) events.splice(0, events.length - 200);
  if (fresh && e.event === "isolation_widened") alertOf(e);
}

async function stream() {
  let last = null;
  let first = true;
  for (;;) {
    if (!signedIn()) { connected = false; render(); await sleep(2000); continue; }
    try {
      if (first) {
        const r = await fetch("/api/live/positions", { headers: { Authorization: `Bearer ${token()}` } });
        if (r.ok) for (const p of await r.json()) positions.set(p.crew, p);
        drawPositions();
        // crews whose phones hold reports not sent, told before this console opened
        const h = await fetch("/api/field/outboxes", { headers: { Authorization: `Bearer ${token()}` } });
        if (h.ok) for (const e of await h.json()) keepHeld(e);
      }
      const headers = { Authorization: `Bearer ${token()}` };
      if (last !== null) headers["Last-Event-ID"] = String(last);
      const r = await fetch("/api/live", { headers, cache: "no-store" });
      const opened = Date.now();
      if (!r.ok) throw new Error(String(r.status));
      connected = true;
      render();
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let data = null;
          let id = null;
          for (const line of block.split("\n")) {
            if (line.startsWith("data: ")) data = line.slice(6);
            else if (line.startsWith("id: ")) id = Number(line.slice(4));
          }
          if (data === null) continue;
          // the backlog a first stream starts with is listed, not alerted
          const e = JSON.parse(data);
          take(e, !first || Date.now() - opened > 1500);
          if (id !== null) last = id;
          render();
        }
      }
      first = false;
    } catch {
      // the network or the service went away: the stream is taken up again from the last id
    }
    connected = false;
    render();
    await sleep(2000);
  }
}

onLangChange(() => { render(); drawPositions(); });
// the map comes once the console has signed in: positions are drawn when it is there
const waitForMap = setInterval(() => { if (state.map) { clearInterval(waitForMap); drawPositions(); } }, 500);
stream();
