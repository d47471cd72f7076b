// The crews' field app (/field, docs/field-app.md): a crew's day from the published plan, its
// jobs' detail, and its reports, offline first. A report is kept on the phone (IndexedDB) with
// the time it was made and an id of its own the moment the crew taps, then sent when the
// network answers; the service applies each id once, so a report sent twice (an answer lost,
// the queue replayed) counts once.
/* global L */
import { applyStrings, code, currentLang, escapeHtml, historyNote, jobText, refusal, setLang, shortTime, t } from "./i18n.js";
import { createMap, numberedIcon } from "./map.js";

const TOKEN = "waterops.field.token";
const USER = "waterops.field.user";
const DAY = "waterops.field.day";
const JOBS = "waterops.field.jobs";
const SHARE = "waterops.field.share";
const CLOSED = new Set(["done", "cancelled", "suspended"]);
const STEP = { en_route: "en_route", arrived: "on_site", started: "on_site", done: "done", could_not_do: "assigned" };
const POSITION_EVERY_MS = 30_000;

const $ = (sel) => document.querySelector(sel);
const view = { day: null, job: null, map: null, overlay: null, config: null, lastPosition: 0 };

// -- the outbox (IndexedDB) -------------------------------------------------------------------
// "outbox": the reports not sent yet; "refused": the ones the service refused, kept with its
// answer until the crew has read them (the service keeps them too: docs/field-app.md)

let dbPromise = null;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open("waterops-field", 2);
    open.onupgradeneeded = () => {
      for (const name of ["outbox", "refused"]) {
        if (!open.result.objectStoreNames.contains(name)) open.result.createObjectStore(name, { keyPath: "id" });
      }
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function store(mode, fn, name = "outbox") {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(name, mode);
    const request = fn(tx.objectStore(name));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
  });
}
const queued = () => store("readonly", (s) => s.getAll());
const enqueue = (item) => store("readwrite", (s) => s.put(item));
const dequeue = (id) => store("readwrite", (s) => s.delete(id));
const refusals = () => store("readonly", (s) => s.getAll(), "refused");
const keepRefused = (item) => store("readwrite", (s) => s.put(item), "refused");
const forgetRefused = () => store("readwrite", (s) => s.clear(), "refused");

// a refusal in the crew's language: from its code and params, else as the service said it
function refusalText(x) {
  const a = x.answer || {};
  const why = refusal(a.code, a.params, a.detail || String(x.status));
  return `${t("field_refused", { job: x.job, kind: t(`field_${x.kind}`) })}: ${why}`;
}

// -- talking to the service ---------------------------------------------------------------------

const token = () => localStorage.getItem(TOKEN);
class Offline extends Error {}
class SignedOut extends Error {}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: payload });
  } catch {
    setNet(false);
    throw new Offline("offline");
  }
  // the service worker's copy of the last answer (no network): docs/field-app.md
  setNet(!r.headers.get("Waterops-Offline"));
  if (r.status === 401) throw new SignedOut("signed out");
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  return { status: r.status, data };
}

function setNet(online) {
  view.online = online;
  const el = $("#net");
  el.textContent = online ? t("field_online") : t("field_offline");
  el.classList.toggle("offline", !online);
}

// -- sign-in ------------------------------------------------------------------------------------

async function onLogin(event) {
  event.preventDefault();
  const form = event.target;
  $("#login-error").textContent = "";
  try {
    const r = await fetch("/api/auth/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: form.username.value.trim(), password: form.password.value }),
    });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(r.status === 401 ? t("bad_login") : data.detail || r.statusText);
    if (data.role !== "crew") throw new Error(t("field_not_crew"));
    keepToken(data);
    localStorage.setItem(USER, form.username.value.trim());
    form.password.value = "";
    await start();
  } catch (err) {
    $("#login-error").textContent = err.message;
  }
}

const EXPIRES = "waterops.field.expires";
function keepToken(data) {
  localStorage.setItem(TOKEN, data.access_token);
  localStorage.setItem(EXPIRES, String(Date.now() + data.expires_in * 1000));
}

// a crew's day is longer than a token: renewed while the app is open, a few minutes before it
// expires (the service refuses renewals past its session limit: then the crew signs in again,
// and the outbox waits for it)
async function renewToken() {
  const expires = Number(localStorage.getItem(EXPIRES) || 0);
  if (!token() || !expires || expires - Date.now() > 10 * 60_000) return;
  try {
    const r = await fetch("/api/auth/refresh", { method: "POST", headers: { Authorization: `Bearer ${token()}` } });
    if (r.ok) keepToken(await r.json());
    else if (r.status === 401) signOut();
  } catch {
    // offline: tried again in a minute
  }
}

function showLogin() {
  $("#app").hidden = true;
  $("#login").hidden = false;
  $("#sign-out").hidden = true;
}

function signOut() {
  // the outbox stays: what the crew reported is sent after the next sign-in
  localStorage.removeItem(TOKEN);
  showLogin();
}

// -- the day ------------------------------------------------------------------------------------

async function loadDay() {
  try {
    const { status, data } = await call("GET", "/api/field/day");
    if (status === 200) {
      view.day = data;
      localStorage.setItem(DAY, JSON.stringify(data));
    }
  } catch (err) {
    if (err instanceof SignedOut) { signOut(); return; }
    view.day = JSON.parse(localStorage.getItem(DAY) || "null"); // offline: the day as last seen
  }
  await renderDay();
}

function pendingFor(items, job) {
  return items.filter((i) => i.job === job).sort((a, b) => a.made_at.localeCompare(b.made_at));
}

// the status a job shows: the service's, moved on by the reports not sent yet
function shownStatus(job, status, items) {
  let s = status;
  for (const i of pendingFor(items, job)) if (STEP[i.kind] && !CLOSED.has(s)) s = STEP[i.kind];
  return s;
}

async function renderDay() {
  const day = view.day;
  const items = await queued();
  $("#crew").textContent = day ? day.crew : "";
  $("#day-title").textContent = day ? t("field_day", { crew: day.crew, day: day.day }) : "";
  $("#no-plan").hidden = Boolean(day && day.stops.length);
  const list = $("#stops");
  list.innerHTML = "";
  for (const s of day?.stops || []) {
    const li = document.createElement("li");
    const status = shownStatus(s.job, s.status, items);
    const waiting = pendingFor(items, s.job).length;
    li.dataset.job = s.job;
    li.dataset.status = status;
    li.className = `stop status-${status}`;
    li.innerHTML = `<span class="n">${s.order}</span>
      <span class="when">${escapeHtml(shortTime(s.start).slice(6))}–${escapeHtml(shortTime(s.end).slice(6))}</span>
      <span class="what"><b>${escapeHtml(what(s))}</b> <span class="muted">${escapeHtml(jobText(s) || s.description)}</span></span>
      <span class="st">${escapeHtml(code("status", status))}${waiting ? ` · ${escapeHtml(t("field_pending"))}` : ""}</span>`;
    li.addEventListener("click", () => openJob(s.job));
    list.appendChild(li);
  }
  renderNavigate(items);
  renderMap();
  await renderQueue(items);
}

function nextStop(items) {
  return (view.day?.stops || []).find((s) => s.mine !== false && !CLOSED.has(shownStatus(s.job, s.status, items)));
}

function renderNavigate(items) {
  const next = nextStop(items);
  const link = $("#navigate");
  link.hidden = !next || !next.location;
  if (!next || !next.location) return;
  const [lon, lat] = next.location;
  // geo: opens the phone's map app (Android); the crew's usual navigator takes WGS84 too
  link.href = `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(next.job)})`;
  link.dataset.job = next.job;
  link.textContent = `${t("field_navigate")} · ${next.order}`;
  const amap = $("#navigate-amap");
  amap.href = `https://uri.amap.com/navigation?to=${lon},${lat},${encodeURIComponent(next.job)}&mode=car&coordinate=wgs84&callnative=1`;
  amap.hidden = false;
}

function renderMap() {
  if (!view.map || !view.day) return;
  view.overlay.clearLayers();
  const points = [];
  const day = view.day;
  if (day.geometry?.coordinates?.length) {
    const line = day.geometry.coordinates.map(([x, y]) => [y, x]);
    L.polyline(line, { color: "#0072b2", weight: 4, opacity: 0.8 }).addTo(view.overlay);
    points.push(...line);
  } else {
    const line = [day.depot, ...day.stops.map((s) => s.location)].filter(Boolean).map(([x, y]) => [y, x]);
    if (line.length > 1) L.polyline(line, { color: "#0072b2", weight: 3, dashArray: "6 6" }).addTo(view.overlay);
  }
  if (day.depot) {
    const d = [day.depot[1], day.depot[0]];
    L.marker(d, { icon: L.divIcon({ className: "icon-depot", html: "■", iconSize: [16, 16] }) }).addTo(view.overlay);
    points.push(d);
  }
  for (const s of day.stops) {
    if (!s.location) continue;
    const ll = [s.location[1], s.location[0]];
    L.marker(ll, { icon: numberedIcon(s.order, `icon-stop status-${s.status}`) })
      .on("click", () => openJob(s.job)).addTo(view.overlay);
    points.push(ll);
  }
  // the map measured again (a window resized while the day was hidden left it 0 x 0: the fit
  // then zoomed to 100 m off the route); fitted only when it shows, as the day comes back
  if (!view.map.getContainer().clientWidth) return;
  view.map.invalidateSize({ pan: false });
  if (points.length) view.map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
  if (points.length) prefetchTiles(points);
}

// The day's route kept for offline (the service worker keeps the tiles the page loads, the 400
// used last: docs/field-app.md): when the day loads online, the tiles along the route and around
// its stops at the zooms a crew looks closer with, the two above the one the map shows, at most
// PREFETCH_MAX (the cache keeps room for what the crew looks at), nearest zoom first, once per
// day, plan and zoom. A template with fields other than {s} {x} {y} {z} {r} is not fetched.
const PREFETCH_MAX = 120;
const PREFETCH_ZOOMS = 2;
let prefetched = "";
function prefetchTiles(points) {
  const template = view.config?.tiles;
  if (!template || !view.online || !view.day?.plan) return;
  const bounds = L.latLngBounds(points);
  const shown = Math.min(16, view.map.getBoundsZoom(bounds, false, L.point(48, 48)));
  const key = `${view.day.day}|${view.day.plan}|${shown}`;
  if (key === prefetched) return;
  prefetched = key;
  const line = view.day.geometry?.coordinates?.length ? view.day.geometry.coordinates.map(([x, y]) => [y, x]) : points;
  const urls = [];
  const seen = new Set();
  for (let z = shown + 1; z <= Math.min(shown + PREFETCH_ZOOMS, 19) && urls.length < PREFETCH_MAX; z++) {
    const add = (tx, ty) => {
      const id = `${z}/${tx}/${ty}`;
      if (seen.has(id) || urls.length >= PREFETCH_MAX) return;
      seen.add(id);
      try {
        urls.push(L.Util.template(template, { s: "abc"[Math.abs(tx + ty) % 3], x: tx, y: ty, z, r: "" }));
      } catch { /* a field of its own (a key): left to the map */ }
    };
    // the stops first (where the crew stops and looks), then along the route
    const stops = view.day.stops.filter((x) => x.location).map((x) => [x.location[1], x.location[0]]);
    for (const ll of [...stops, ...line]) {
      const p = view.map.project(ll, z).divideBy(256).floor();
      add(p.x, p.y);
    }
    for (let k = 1; k < line.length; k++) {
      const a = view.map.project(line[k - 1], z);
      const b = view.map.project(line[k], z);
      const steps = Math.ceil(a.distanceTo(b) / 128);
      for (let j = 1; j < steps; j++) {
        const p = a.add(b.subtract(a).multiplyBy(j / steps)).divideBy(256).floor();
        add(p.x, p.y);
      }
    }
  }
  // loaded as the map loads its tiles (images: the worker keeps them), four at a time
  let next = 0;
  const load = () => {
    if (next >= urls.length) return;
    const img = new Image();
    img.onload = img.onerror = load;
    img.src = urls[next++];
  };
  for (let k = 0; k < 4; k++) load();
}

// -- a job -----------------------------------------------------------------------------------

async function openJob(jobId) {
  view.job = jobId;
  $("#day-view").hidden = true;
  $("#job-view").hidden = false;
  const cache = JSON.parse(localStorage.getItem(JOBS) || "{}");
  let job = cache[jobId] || null;
  try {
    const { status, data } = await call("GET", `/api/field/jobs/${encodeURIComponent(jobId)}`);
    if (status === 200) {
      job = data;
      cache[jobId] = data;
      localStorage.setItem(JOBS, JSON.stringify(cache));
    }
  } catch (err) {
    if (err instanceof SignedOut) { signOut(); return; }
  }
  await renderJob(jobId, job);
}

async function renderJob(jobId, job) {
  const stop = (view.day?.stops || []).find((s) => s.job === jobId) || {};
  const items = await queued();
  const status = shownStatus(jobId, job?.status || stop.status, items);
  $("#job-title").textContent = `${stop.order ? `${stop.order}. ` : ""}${what(job || stop)}`;
  const st = $("#job-status");
  st.textContent = code("status", status) + (pendingFor(items, jobId).length ? ` · ${t("field_pending")}` : "");
  st.dataset.status = status;
  const facts = [
    [t("job"), jobId],
    [t("description"), jobText(job || stop) || job?.description || stop.description],
    [t("field_times"), stop.start ? `${shortTime(stop.arrival).slice(6)} · ${shortTime(stop.start).slice(6)}–${shortTime(stop.end).slice(6)}` : ""],
    [t("due"), shortTime(job?.deadline || job?.due || stop.deadline)],
    [t("field_location"), (job?.location || stop.location || []).join(", ")],
  ];
  $("#job-facts").innerHTML = facts.filter(([, v]) => v)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("");
  const v = job?.valve_detail;
  $("#job-valve").innerHTML = v ? `<h3>${escapeHtml(t("valve"))} ${escapeHtml(v.id)}</h3><dl class="facts">
      <dt>${escapeHtml(t("field_dn"))}</dt><dd>DN${escapeHtml(v.dn_mm)}</dd>
      <dt>${escapeHtml(t("field_turns"))}</dt><dd>${escapeHtml(t("field_turns_n", { n: v.turns_estimate }))}</dd>
      <dt>${escapeHtml(t("field_pipe"))}</dt><dd>${escapeHtml(v.pipe)} · ${escapeHtml(v.node)}</dd>
      <dt>${escapeHtml(t("field_location"))}</dt><dd>${escapeHtml((v.location || []).join(", "))}</dd>
      ${v.found_inoperable ? `<dt></dt><dd class="bad">${escapeHtml(t("legend_inoperable"))}</dd>` : ""}</dl>` : "";
  const rep = job?.repair;
  $("#job-repair").innerHTML = rep ? `<h3>${escapeHtml(t("field_isolation", { ticket: rep.ticket, pipe: rep.pipe }))}</h3>
      <table class="valves"><thead><tr><th>${escapeHtml(t("valve"))}</th><th>${escapeHtml(t("crew"))}</th><th>${escapeHtml(t("status"))}</th></tr></thead><tbody>
      ${rep.valves_to_close.map((x) => `<tr class="${x.mine ? "mine" : ""}" data-valve="${escapeHtml(x.id)}"><td>${escapeHtml(x.id)}</td>
        <td>${x.mine ? escapeHtml(t("field_you")) : escapeHtml(x.crew || t("field_unassigned"))}</td>
        <td>${escapeHtml(x.status ? code("status", x.status) : "")}</td></tr>`).join("")}
      </tbody></table>
      ${rep.widened.map((w) => `<p class="widened">${escapeHtml(t("field_widened", { valve: w.valve, valves: w.added_valves.join(", ") || "—" }))}</p>`).join("")}` : "";
  // a job not at a valve (the repair itself): the crew names which valve of the isolation
  const pick = $("#valve-pick");
  const choices = !v && rep ? rep.valves_to_close.map((x) => x.id) : [];
  $("#valve-pick-label").hidden = !choices.length;
  pick.innerHTML = choices.map((id) => `<option value="${escapeHtml(id)}">${escapeHtml(id)}</option>`).join("");
  const closed = CLOSED.has(status);
  for (const b of document.querySelectorAll("#job-view [data-report]")) {
    const kind = b.dataset.report;
    b.disabled = closed && !["note"].includes(kind);
  }
  $("#photo").disabled = false;
  const history = [...(job?.history || []).map((h) => ({ at: h.at, text: `${code("status", h.status)} · ${historyNote(h)}` })),
    ...pendingFor(items, jobId).map((i) => ({ at: i.made_at, text: `${t(`field_${i.kind}`)} · ${t("field_pending")}` }))];
  $("#job-history").innerHTML = history.map((h) => `<li><time>${escapeHtml(shortTime(localIso(h.at)))}</time> ${escapeHtml(h.text)}</li>`).join("");
}

// a time in Kaifeng, as the service gives its own (the phone's are UTC), whatever the phone's zone
function localIso(iso) {
  if (!iso || !iso.endsWith("Z")) return iso;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const v = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${v.year}-${v.month}-${v.day}T${v.hour}:${v.minute}`;
}

// what a job is, in words of the app's language: its kind and step, the valve or the ticket
// (beside it, muted, its description: in the app's language from its key, jobText; a job
// without one shows the text it was created with)
function what(s) {
  const head = s.step ? code("step", s.step) : code("kind", s.kind);
  return [head, s.valve || "", s.ticket && !s.valve ? s.ticket : ""].filter(Boolean).join(" · ");
}

// -- reporting ------------------------------------------------------------------------------------

async function report(kind, extra = {}) {
  const jobId = view.job;
  if (!jobId) return;
  const note = $("#note").value.trim();
  const reason = $("#reason").value.trim();
  if (kind === "could_not_do" && !reason) {
    $("#reason").focus();
    toast(t("field_reason_needed"));
    return;
  }
  const item = { id: newId(), job: jobId, kind, made_at: new Date().toISOString(), note, reason, ...extra };
  if (view.position) [item.lon, item.lat] = view.position;
  await enqueue(item);
  $("#note").value = "";
  if (kind === "could_not_do") $("#reason").value = "";
  toast(t("field_saved"));
  await renderJob(jobId, JSON.parse(localStorage.getItem(JOBS) || "{}")[jobId]);
  await renderDay();
  flush();
}

// the report's own id: a UUID (crypto.randomUUID needs HTTPS or this machine; the fallback is
// the same 122 random bits)
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function onPhoto(event) {
  const file = event.target.files[0];
  event.target.value = "";
  if (!file) return;
  const photo = await shrink(file);
  await report("photo", { photo });
}

// a phone's photo is several MB: sent as a JPEG of at most 1600 px, about 0.3 MB
async function shrink(file) {
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return await new Promise((resolve) => canvas.toBlob((b) => resolve(b || file), "image/jpeg", 0.8));
  } catch {
    return file;
  }
}

// Sending the outbox. A report the service fails on (a 5xx, or a network error while the service
// answers other requests) is tried again later with a growing wait (RETRY_MS doubled per try, at
// most RETRY_MAX_MS); after SET_ASIDE tries it is shown apart, "not sent yet, will retry", with
// its error. It holds the reports of ITS job made after it (a job's steps keep their order: never
// "done" before "started"), not those of other jobs. Only "no network at all" stops the round.
const RETRY_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;
const SET_ASIDE = 3;
// answers that say "not now" rather than "no": tried again like a 5xx (not refusals)
const TRANSIENT = new Set([408, 429]);

async function send(item) {
  if (item.photo) {
    const form = new FormData();
    for (const k of ["id", "job", "made_at", "note"]) form.append(k, item[k] ?? "");
    form.append("file", item.photo, `${item.id}.jpg`);
    return call("POST", "/api/field/photos", form);
  }
  const { photo, tries, next_at: nextAt, tried_at: triedAt, error, ...body } = item;
  for (const k of ["lon", "lat", "valve"]) if (body[k] == null) delete body[k];
  return call("POST", "/api/field/reports", body);
}

// does the service answer at all? (a report's network error is its own only if it does)
async function reachable() {
  try {
    await call("GET", "/api/auth/me");
    return true;
  } catch (err) {
    if (err instanceof SignedOut) throw err;
    return false;
  }
}

// a failed try: kept in the outbox with its count, its error and when to try it again
async function failed(item, error) {
  const tries = (item.tries || 0) + 1;
  const wait = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (tries - 1));
  await enqueue({ ...item, tries, error, tried_at: Date.now(), next_at: Date.now() + wait });
}

// What the phone holds that the service kept failing on (set apart after SET_ASIDE tries), with
// the later reports of those jobs that wait behind them: how many, the oldest (when made, its job
// and kind) and the last error met. Told to the service (POST /api/field/outbox) whenever it
// changes, so that the dispatcher sees a crew's reports stuck, and "none" once they have gone
// (docs/field-app.md). Nothing is dropped: the reports stay in the outbox and are tried again.
const TOLD = "waterops.field.told";
function outboxSummary(items) {
  const aside = items.filter((x) => (x.tries || 0) >= SET_ASIDE);
  const jobs = new Set(aside.map((x) => x.job));
  const held = items.filter((x) => jobs.has(x.job)).sort((a, b) => a.made_at.localeCompare(b.made_at));
  if (!held.length) return { held: 0 };
  const last = aside.reduce((a, b) => ((b.tried_at || 0) > (a.tried_at || 0) ? b : a));
  const e = last.error || {};
  const error = e.network ? { network: true }
    : { status: e.status ?? null, detail: e.detail == null ? null : String(e.detail).slice(0, 200) };
  return { held: held.length, oldest: held[0].made_at, job: held[0].job, kind: held[0].kind, error };
}

// what the dispatcher reads of a summary (its detail's words aside: ops.field.OutboxSummary.key)
function toldKey(s) {
  const e = s.error || {};
  return JSON.stringify([s.held, s.oldest ?? null, s.job ?? null, s.kind ?? null, e.status ?? null, Boolean(e.network)]);
}

async function tellOutbox() {
  const summary = outboxSummary(await queued());
  const key = toldKey(summary);
  if (key === (localStorage.getItem(TOLD) || toldKey({ held: 0 }))) return;
  const { status } = await call("POST", "/api/field/outbox", summary);
  // not taken (the service unwell): told again at the next round
  if (status === 204) localStorage.setItem(TOLD, key);
}

let flushing = false;
async function flush() {
  if (flushing || !token()) return;
  flushing = true;
  let changed = false;
  try {
    const items = (await queued()).sort((a, b) => a.made_at.localeCompare(b.made_at));
    const held = new Set(); // jobs with a report waiting before the next of theirs
    for (const item of items) {
      if (held.has(item.job)) continue;
      if ((item.next_at || 0) > Date.now()) { held.add(item.job); continue; }
      let answer;
      try {
        answer = await send(item);
      } catch (err) {
        if (!(err instanceof Offline) || !(await reachable())) throw err;
        setNet(true);
        held.add(item.job);
        await failed(item, { network: true });
        continue;
      }
      if (answer.status >= 500 || TRANSIENT.has(answer.status)) {
        // the service is unwell for this one: kept, tried again later; others still go
        held.add(item.job);
        await failed(item, { status: answer.status, detail: answer.data?.detail ?? null });
        continue;
      }
      if (answer.status >= 400) {
        // refused: out of the outbox but not lost, kept (without its photo) till the crew reads it
        const { photo, tries, next_at: nextAt, tried_at: triedAt, error, ...rest } = item;
        await keepRefused({ ...rest, status: answer.status, answer: answer.data, refused_at: new Date().toISOString() });
      }
      await dequeue(item.id);
      changed = true;
      if (answer.status < 400 && answer.data?.widened) {
        const w = answer.data.widened;
        toast(t("field_widened", { valve: w.valve, valves: w.added_valves.join(", ") || "—" }));
      }
    }
    // the service reached (no network stops the round above): what is held, for the dispatcher
    await tellOutbox();
  } catch (err) {
    if (err instanceof SignedOut) signOut();
    // offline: everything not sent stays in the outbox
  } finally {
    flushing = false;
  }
  if (changed) {
    await loadDay();
    if (view.job && !$("#job-view").hidden) await openJob(view.job);
  } else {
    await renderQueue(await queued());
  }
}

// a report set aside: what it is, and why it has not gone yet
function heldText(x) {
  const e = x.error || {};
  const why = e.network ? t("field_send_network") : t("field_send_status", { status: e.status, detail: e.detail || "" });
  return `${t("field_held", { job: x.job, kind: t(`field_${x.kind}`) })}: ${why.trim()}`;
}

async function renderQueue(items) {
  const q = $("#queue");
  q.hidden = !items.length;
  q.textContent = items.length ? t("field_queued", { n: items.length }) : "";
  const aside = items.filter((x) => (x.tries || 0) >= SET_ASIDE).sort((a, b) => a.made_at.localeCompare(b.made_at));
  const h = $("#held");
  h.hidden = !aside.length;
  h.innerHTML = aside.map((x) => `<p data-job="${escapeHtml(x.job)}" data-report="${escapeHtml(x.id)}">${escapeHtml(heldText(x))}</p>`).join("");
  const refused = (await refusals()).sort((a, b) => a.made_at.localeCompare(b.made_at));
  const r = $("#refused");
  r.hidden = !refused.length;
  r.innerHTML = refused.map((x) => `<p data-job="${escapeHtml(x.job)}">${escapeHtml(refusalText(x))}</p>`).join("")
    + (refused.length ? `<p class="muted">${escapeHtml(t("field_refused_kept"))}</p>
      <button type="button" class="link" id="refused-ok">${escapeHtml(t("field_ok"))}</button>` : "");
  $("#refused-ok")?.addEventListener("click", async () => { await forgetRefused(); await renderQueue(await queued()); });
}

let toastTimer = null;
function toast(text) {
  let el = $("#toast");
  if (!el) {
    el = document.createElement("div");
    el.id = "toast";
    el.className = "toast";
    el.setAttribute("role", "status");
    document.body.appendChild(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

// -- position ---------------------------------------------------------------------------------

let watch = null;
function sharePosition(on) {
  localStorage.setItem(SHARE, on ? "1" : "");
  if (watch !== null) navigator.geolocation.clearWatch(watch);
  watch = null;
  if (!on || !navigator.geolocation) return;
  watch = navigator.geolocation.watchPosition((p) => {
    view.position = [p.coords.longitude, p.coords.latitude];
    if (Date.now() - view.lastPosition < POSITION_EVERY_MS) return;
    view.lastPosition = Date.now();
    // a position is sent when it is taken, never queued: an old one would mislead
    call("POST", "/api/field/position", {
      lon: p.coords.longitude, lat: p.coords.latitude, at: new Date(p.timestamp).toISOString(),
      accuracy_m: p.coords.accuracy ?? null,
    }).catch(() => {});
  }, () => {}, { enableHighAccuracy: true, maximumAge: 15_000 });
}

// -- opening without network ------------------------------------------------------------------

// the service worker (/field-sw.js) keeps the app and the day, so the page opens offline; it
// needs a secure origin (HTTPS, or this machine): elsewhere the open page still works offline
function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  // a new worker (the first, or a deploy's, whose cache starts empty) keeps the day once fetched
  navigator.serviceWorker.addEventListener("controllerchange", () => { if (token()) loadDay(); });
  navigator.serviceWorker.register("/field-sw.js", { scope: "/field" }).catch(() => {});
}

// -- start ----------------------------------------------------------------------------------------

async function start() {
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#sign-out").hidden = false;
  if (!view.map) {
    view.map = await createMap("map", view.config);
    view.overlay = L.layerGroup().addTo(view.map);
  }
  $("#share-position").checked = Boolean(localStorage.getItem(SHARE));
  sharePosition($("#share-position").checked);
  await loadDay();
  flush();
}

async function boot() {
  applyStrings();
  registerWorker();
  $("#lang").addEventListener("click", () => {
    setLang(currentLang() === "zh" ? "en" : "zh");
    setNet(view.online);
    renderDay();
    if (view.job && !$("#job-view").hidden) openJob(view.job);
  });
  $("#login-form").addEventListener("submit", onLogin);
  $("#sign-out").addEventListener("click", signOut);
  $("#back").addEventListener("click", () => {
    view.job = null;
    $("#job-view").hidden = true;
    $("#day-view").hidden = false;
    renderDay();
  });
  for (const b of document.querySelectorAll("#job-view [data-report]")) {
    b.addEventListener("click", () => {
      const kind = b.dataset.report;
      const valve = kind === "valve_inoperable" && !$("#valve-pick-label").hidden ? $("#valve-pick").value : null;
      report(kind, valve ? { valve } : {});
    });
  }
  $("#photo").addEventListener("change", onPhoto);
  $("#share-position").addEventListener("change", (e) => sharePosition(e.target.checked));
  // the badge follows the network at once (it showed 在线 offline until the crew tapped): off,
  // said so; back, the service asked (the network may be back before it), then the outbox sent
  addEventListener("offline", () => setNet(false));
  addEventListener("online", async () => {
    if (token()) await reachable().catch(() => signOut());
    else setNet(true);
    flush();
  });
  setInterval(flush, 5000);
  setInterval(renewToken, 60_000);
  setNet(navigator.onLine);
  view.config = await fetch("/public/config").then((r) => r.json()).catch(() => ({ bounds: null }));
  if (token()) await start(); else showLogin();
}

boot();
