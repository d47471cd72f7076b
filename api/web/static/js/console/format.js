// What several tabs write the same way: dates in Kaifeng and the provisional-calendar badge.
import { code, escapeHtml, jobText, shortTime, t } from "../i18n.js";

// dates in Kaifeng (the service's time zone), whatever the browser's zone
export function kaifengDate(offsetDays = 0) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" })
    .format(new Date(Date.now() + offsetDays * 86_400_000));
}

// now in Kaifeng as YYYY-MM-DDTHH:MM
export function kaifengNow() {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date());
  const v = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${v.year}-${v.month}-${v.day}T${v.hour}:${v.minute}`;
}

// a moment the service gave with its zone (UTC or +08:00) as "MM-DD HH:MM" in Kaifeng, as the
// console writes times (shortTime), not in the browser's format ("12/7/2026, 10:30:11 PM")
export function kaifengShort(iso) {
  if (!iso) return "";
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(iso)) return shortTime(iso); // local to Kaifeng already
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const v = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${v.month}-${v.day} ${v.hour}:${v.minute}`;
}

// "暂定" / "provisional" beside a deadline or a plan counted on a year not yet announced
export function calendarBadge(basis) {
  if (!basis || basis.status !== "provisional") return "";
  const years = basis.provisional_years.join(", ");
  return `<span class="badge provisional" title="${escapeHtml(t("provisional_hint", { years }))}">${t("provisional")}</span>`;
}

// A job in a line of the current language: its description's key and params (jobText), or
// for a job without one (stored before jobs had it) from its typed fields (kind, step, valve,
// ticket, DMA, the pipe of a repair, the application), its stored text then shown beside as
// recorded.
export function describeJob(job) {
  const said = jobText(job);
  if (said) return said;
  const v = { valve: job.valve || "", ticket: job.ticket || "", pipe: job.meta?.pipe || "", app: job.application || "" };
  const kind = code("kind", job.kind);
  let line;
  if (job.step === "close") line = t("desc_close", v);
  else if (job.step === "repair") line = t("desc_repair", v);
  else if (job.step === "reopen") line = t("desc_reopen", v);
  else if (job.step === "flush") line = t("desc_flush", v);
  else if (job.step === "tanker") line = t("desc_tanker", v);
  else if (v.app) line = t("desc_connection", { ...v, kind });
  else if (job.kind === "valve exercise") line = t("desc_exercise", { ...v, area: job.meta?.area || job.dma || "—" });
  else if (job.kind === "repair" && job.valve) line = t("desc_valve_repair", v);
  else if (job.kind === "leak survey") line = t("desc_leak_survey", { where: job.dma || job.meta?.area || "—" });
  else line = kind;
  return job.part > 1 ? `${line} ${t("desc_part", { part: job.part })}` : line;
}

// Clock times are typed in 24 hours in both languages (docs/decisions.md): a text field, not
// <input type=time>, whose AM/PM (上午/下午) follows the browser's locale whatever the page's
// language. "14:30", "9:05", "0930" and "14：30" (the full-width colon of a Chinese input
// method) are read as HH:MM; "2:30 PM" or "25:00" are not a time.
export const CLOCK_PATTERN = "\\s*([01]?[0-9]|2[0-3])[:：]?[0-5][0-9]\\s*";

export function clock24(text) {
  const m = /^\s*([01]?\d|2[0-3])[:：]?([0-5]\d)\s*$/.exec(text || "");
  return m ? `${m[1].padStart(2, "0")}:${m[2]}` : null;
}

// the attributes of a clock field written by a tab (the ones of console.html are the same)
export function clockAttrs() {
  return `class="clock" inputmode="numeric" maxlength="6" autocomplete="off" placeholder="HH:MM" pattern="${CLOCK_PATTERN}" title="${escapeHtml(t("clock_hint"))}"`;
}

// every clock field of the page, present or drawn later: a time typed in another way of
// writing it is shown as HH:MM when the field is left, and one that is not a time says so
export function wireClocks(root = document) {
  root.addEventListener("change", (e) => {
    const field = e.target;
    if (!field.matches?.("input.clock") || !field.value.trim()) return;
    const value = clock24(field.value);
    if (value) field.value = value;
    field.setCustomValidity(value ? "" : t("clock_hint"));
  });
  root.addEventListener("input", (e) => { if (e.target.matches?.("input.clock")) e.target.setCustomValidity(""); });
}

// Date-and-time fields are a date input beside a clock field (docs/decisions.md), not
// <input type=datetime-local>, whose hours follow the browser's locale (上午/下午) as a time
// input's do. The field NAME is two inputs, NAME_date and NAME_time, read together as
// YYYY-MM-DDTHH:MM: the value the datetime-local field had and sent (Kaifeng wall time, no
// zone), so the service receives the same string as before.
export function dateTimeFields(name, value = "", { required = false } = {}) {
  const v = value || "";
  const req = required ? " required" : "";
  return `<span class="datetime" data-datetime="${escapeHtml(name)}"><input type="date" name="${escapeHtml(name)}_date" value="${escapeHtml(v.slice(0, 10))}"${req}>`
    + `<input ${clockAttrs()} name="${escapeHtml(name)}_time" value="${escapeHtml(v.slice(11, 16))}"${req}></span>`;
}

// the field NAME of a form as YYYY-MM-DDTHH:MM; "" when both inputs are empty, null when it is
// not a date and a time (one of them missing, or a time that is not HH:MM)
export function dateTime24(form, name) {
  const day = form.elements[`${name}_date`].value;
  const text = form.elements[`${name}_time`].value;
  if (!day && !text.trim()) return "";
  const at = clock24(text);
  return /^\d{4}-\d\d-\d\d$/.test(day) && at ? `${day}T${at}` : null;
}

// sets the field NAME from YYYY-MM-DDTHH:MM (or an ISO time, cut to its minutes as it is written)
export function setDateTime(form, name, value) {
  form.elements[`${name}_date`].value = (value || "").slice(0, 10);
  form.elements[`${name}_time`].value = (value || "").slice(11, 16);
}
