// The public outage page: no sign-in. The current and planned notices (and, for three days,
// the restored and cancelled ones) on a map and as a list with their full text; "is my address
// affected?" asks the service (/public/lookup), which searches the customers the notices cut off.
/* global L */
import { publicJson } from "./api.js";
import { applyStrings, currentLang, escapeHtml, onLangChange, setLang, t } from "./i18n.js";
import { createMap, roadLayer } from "./map.js";

const COLOURS = { planned: "#f08c00", emergency: "#c92a2a", ended: "#868e96" };
const WEEK = {
  zh: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
  en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
};
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
// this page's own words (the console's are in i18n.js)
const WORDS = {
  zh: {
    lookup: "我家停水吗？", go: "查询", placeholder: "地址、小区或道路，如：纬三路43号",
    hint: "可输入中文或拼音；查询当前及计划的停水公告。",
    legend_planned: "计划停水", legend_emergency: "紧急停水", legend_ended: "已恢复供水或已取消（保留三天）",
    kind_planned: "计划停水", kind_emergency: "紧急停水",
    state_published: "已发布", state_updated: "已变更", state_restored: "已恢复供水", state_cancelled: "已取消",
    full_text: "通知全文", page: "详情页", print: "打印（A4）", customers: "影响用户",
    households: "{n}户", not_found: "在当前及计划的{n}份停水公告中没有找到“{q}”。如果您家停水，请拨打服务热线。",
    none_published: "目前没有当前或计划的停水公告，“{q}”不在任何停水范围内。如果您家停水，请拨打服务热线。",
    addresses: "停水地址", more: "等{n}处", names: "单位、小区", streets_only: "该道路在停水范围内：请输入门牌号，查询您家是否停水。",
    reduced: "水压可能偏低：{s}", searching: "正在查询…", window: "停水时间", where: "停水范围",
    // the answer's first line by what the place is to the notice (the lookup's verdict)
    head_cut_off: "“{q}” 在停水范围内", head_street: "“{q}” 在停水范围内",
    head_area: "“{q}”：停水公告涉及该片区（{a}）", head_reduced_pressure: "“{q}” 不停水，水压可能偏低",
    area_only: "请输入道路和门牌号，查询您家是否停水。",
  },
  en: {
    lookup: "Is my address affected?", go: "Search", placeholder: "address, estate or street, e.g. 43 Wei 3 Lu",
    hint: "Chinese or pinyin; searches the current and planned outage notices.",
    legend_planned: "planned outage", legend_emergency: "emergency outage", legend_ended: "restored or cancelled (kept three days)",
    kind_planned: "Planned outage", kind_emergency: "Emergency outage",
    state_published: "published", state_updated: "changed", state_restored: "water restored", state_cancelled: "cancelled",
    full_text: "Full notice", page: "Notice page", print: "Print (A4)", customers: "Customers",
    households: "{n} households", not_found: "“{q}” is in none of the {n} current and planned outage notices. If your water is off, please call the hotline.",
    none_published: "There is no current or planned outage notice, so “{q}” is in no outage area. If your water is off, please call the hotline.",
    addresses: "Addresses cut off", more: "and {n} more", names: "Units and estates", streets_only: "This street is in the outage area: give your house number to see whether your home is.",
    reduced: "Reduced pressure possible: {s}", searching: "Searching…", window: "When", where: "Where",
    head_cut_off: "“{q}” is in the outage area", head_street: "“{q}” is in the outage area",
    head_area: "“{q}”: the notice names this area ({a})", head_reduced_pressure: "“{q}”: water stays on; pressure may be low",
    area_only: "Give your street and house number to see whether your home is cut off.",
  },
};

const state = { map: null, overlay: null, layers: {}, notices: [], config: null, answer: null };

function w(key, vars = {}) {
  const text = WORDS[currentLang()][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// "2026-12-05T09:00+08:00" (Kaifeng time, as the service sends it) → its parts and weekday
function parts(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { y, mo, d, hm: `${m[4]}:${m[5]}`, wd: new Date(Date.UTC(y, mo - 1, d)).getUTCDay(), date: `${m[1]}-${m[2]}-${m[3]}` };
}

function day(p) {
  return currentLang() === "zh" ? `${p.y}年${p.mo}月${p.d}日（${WEEK.zh[p.wd]}）` : `${WEEK.en[p.wd]} ${p.d} ${MONTHS[p.mo - 1]} ${p.y}`;
}

// the window with year and weekday, as the notice's page gives it; the end's date only when
// it is another day
export function windowText(start, end) {
  const s = parts(start);
  const e = parts(end);
  if (!s || !e) return "";
  const zh = currentLang() === "zh";
  const glue = zh ? "" : ", ";
  const last = e.date === s.date ? e.hm : `${day(e)}${glue}${e.hm}`;
  return `${day(s)}${glue}${s.hm}${zh ? " 至 " : " – "}${last}`;
}

function pageUrl(id, print = false) {
  const base = `/outages/${encodeURIComponent(id)}${print ? "/print" : ""}`;
  return currentLang() === "zh" ? base : `${base}?lang=en`;
}

const ended = (n) => n.state === "restored" || n.state === "cancelled";

// a place in the page's language: in Chinese the Chinese name the notice carries (names_zh,
// from the data's *_zh columns), else the name as the data has it (pinyin: Wei 3 Lu)
function placeName(n, name) {
  return (currentLang() === "zh" && n?.names_zh?.[name]) || name;
}

async function boot() {
  document.querySelector("#lang").addEventListener("click", () => setLang(currentLang() === "zh" ? "en" : "zh"));
  document.querySelector("#lookup").addEventListener("submit", (ev) => { ev.preventDefault(); lookup(); });
  onLangChange(() => { words(); render(); showAnswer(); });
  words();
  state.config = await publicJson("/public/config");
  const hotline = document.querySelector("#hotline");
  hotline.textContent = state.config.hotline || "";
  hotline.href = `tel:${String(state.config.hotline || "").replace(/[^0-9+]/g, "")}`;
  state.map = await createMap("map", state.config);
  await roadLayer(state.map);
  state.overlay = L.layerGroup().addTo(state.map);
  await refresh();
  setInterval(refresh, 60_000);
}

function words() {
  applyStrings();
  document.querySelector("#lookup-label").textContent = w("lookup");
  document.querySelector("#lookup-go").textContent = w("go");
  document.querySelector("#address").placeholder = w("placeholder");
  document.querySelector("#lookup-hint").textContent = w("hint");
  document.querySelector("#atom").href = `/public/notices/feed.atom${currentLang() === "zh" ? "" : "?lang=en"}`;
  document.querySelector("#legend").innerHTML = ["planned", "emergency", "ended"]
    .map((k) => `<li><span class="swatch ${k}"></span>${escapeHtml(w(`legend_${k}`))}</li>`).join("");
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

function card(n) {
  const zh = currentLang() === "zh";
  const text = (zh ? n.text?.zh : n.text?.en) || "";
  const headline = text.split("\n", 1)[0];
  const streets = n.streets.map((x) => placeName(n, x)).join(zh ? "、" : ", ");
  const classes = `notice card kind-${escapeHtml(n.kind)}${ended(n) ? " ended" : ""}`;
  return `<article class="${classes}" id="notice-${escapeHtml(n.id)}" data-outage="${escapeHtml(n.id)}" data-state="${escapeHtml(n.state)}">
    <p><span class="badge kind-${escapeHtml(n.kind)}">${escapeHtml(w(`kind_${n.kind}`))}</span>
      <span class="badge state-${escapeHtml(n.state)}">${escapeHtml(w(`state_${n.state}`))}</span></p>
    <h3><a href="${pageUrl(n.id)}">${escapeHtml(headline)}</a></h3>
    <p><strong>${escapeHtml(w("window"))}:</strong> <span class="when">${escapeHtml(windowText(n.start, n.end))}</span></p>
    <p><strong>${escapeHtml(w("where"))}:</strong> ${escapeHtml(streets) || "—"}</p>
    <details${ended(n) ? "" : " open"}><summary>${escapeHtml(w("full_text"))}</summary><div class="text">${escapeHtml(text)}</div></details>
    <p class="links muted"><a href="${pageUrl(n.id)}">${escapeHtml(w("page"))}</a>
      <a href="${pageUrl(n.id, true)}">${escapeHtml(w("print"))}</a>
      <a href="/public/notices/${encodeURIComponent(n.id)}.ics">iCal</a>
      <a href="/public/notices/${encodeURIComponent(n.id)}.cap">CAP</a></p>
  </article>`;
}

function render() {
  if (!state.overlay) return;
  state.overlay.clearLayers();
  state.layers = {};
  const list = document.querySelector("#list");
  if (!state.notices.length) { list.innerHTML = `<p>${escapeHtml(t("public_none"))}</p>`; return; }
  // the live notices first (by start), then the ended ones
  const ordered = [...state.notices].sort((a, b) => Number(ended(a)) - Number(ended(b)));
  list.innerHTML = ordered.map(card).join("");
  const bounds = L.latLngBounds([]);
  for (const n of ordered) {
    if (!n.area) continue;
    const colour = ended(n) ? COLOURS.ended : COLOURS[n.kind] || COLOURS.planned;
    const layer = L.geoJSON(n.area, {
      style: { color: colour, weight: 2, fillOpacity: ended(n) ? 0.1 : 0.25, dashArray: ended(n) ? "5 4" : null },
    }).bindTooltip(`${escapeHtml(w(`kind_${n.kind}`))} · ${escapeHtml(windowText(n.start, n.end))}`).addTo(state.overlay);
    layer.on("click", () => document.querySelector(`#notice-${CSS.escape(n.id)}`)?.scrollIntoView({ behavior: "smooth" }));
    state.layers[n.id] = layer;
    if (!ended(n)) bounds.extend(layer.getBounds());
  }
  if (bounds.isValid()) state.map.fitBounds(bounds.pad(0.5), { maxZoom: 16, animate: false });
}

async function lookup() {
  const q = document.querySelector("#address").value.trim();
  const out = document.querySelector("#lookup-result");
  if (!q) return;
  out.textContent = w("searching");
  try {
    state.answer = await publicJson(`/public/lookup?q=${encodeURIComponent(q)}`);
  } catch (err) {
    state.answer = { error: err.status === 422 ? w("placeholder") : `${t("error")}: ${err.message}` };
  }
  showAnswer();
}

function showAnswer() {
  const out = document.querySelector("#lookup-result");
  const a = state.answer;
  if (!a) return;
  if (a.error) { out.innerHTML = `<div class="answer">${escapeHtml(a.error)}</div>`; return; }
  if (!a.notices.length) {
    out.innerHTML = `<div class="answer clear" data-answer="none">${escapeHtml(w(a.searched ? "not_found" : "none_published", { q: a.query, n: a.searched }))}</div>`;
    return;
  }
  const zh = currentLang() === "zh";
  out.innerHTML = a.notices.map((m) => {
    const notice = state.notices.find((n) => n.id === m.id);
    const text = notice ? (zh ? notice.text.zh : notice.text.en) : "";
    const headline = text.split("\n", 1)[0] || m.id;
    // the Chinese page gives each address in Chinese where the data has it (南环路49号)
    const addressOf = (x, i) => (zh && (m.addresses_zh || [])[i]) || x;
    const addresses = m.addresses.map((x, i) => `<li>${escapeHtml(addressOf(x, i))}</li>`).join("")
      + (m.addresses_total > m.addresses.length ? `<li>${escapeHtml(w("more", { n: m.addresses_total - m.addresses.length }))}</li>` : "");
    const place = (x) => placeName(notice, x);
    const names = m.names.length ? `<p>${escapeHtml(w("names"))}: ${escapeHtml(m.names.map(place).join(zh ? "、" : ", "))}</p>` : "";
    const onlyStreet = !m.addresses.length && !m.names.length && m.streets.length ? `<p>${escapeHtml(w("streets_only"))}</p>` : "";
    const reduced = m.reduced_pressure.length ? `<p>${escapeHtml(w("reduced", { s: m.reduced_pressure.map(place).join(zh ? "、" : ", ") }))}</p>` : "";
    // what the place is to the notice, as the service decides it (NoticeMatch.verdict): cut
    // off, a street or an area of it (the house decides), or reduced pressure only
    const verdict = m.verdict || "cut_off";
    const areas = (m.areas || []).map(place).join(zh ? "、" : ", ");
    const areaOnly = verdict === "area" ? `<p>${escapeHtml(w("area_only"))}</p>` : "";
    const tone = { cut_off: "affected", street: "affected", area: "area", reduced_pressure: "low" }[verdict] || "affected";
    return `<div class="answer ${tone}" data-answer="${escapeHtml(m.id)}" data-verdict="${escapeHtml(verdict)}">
      <p><strong>${escapeHtml(w(`head_${verdict}`, { q: a.query, a: areas }))}</strong></p>
      <p><a href="${pageUrl(m.id)}">${escapeHtml(headline)}</a> · ${escapeHtml(w(`kind_${m.kind}`))}</p>
      <p><strong>${escapeHtml(w("window"))}:</strong> <span class="when">${escapeHtml(windowText(m.start, m.end))}</span></p>
      ${addresses ? `<p>${escapeHtml(w("addresses"))}:</p><ul>${addresses}</ul>` : ""}${names}${onlyStreet}${areaOnly}${reduced}
    </div>`;
  }).join("");
  const first = state.layers[a.notices[0].id];
  if (first && state.map) state.map.fitBounds(first.getBounds().pad(0.5), { maxZoom: 17, animate: false });
}

boot();
