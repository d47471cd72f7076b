// What several tabs write the same way: dates in Kaifeng and the provisional-calendar badge.
import { escapeHtml, t } from "../i18n.js";

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

// "暂定" / "provisional" beside a deadline or a plan counted on a year not yet announced
export function calendarBadge(basis) {
  if (!basis || basis.status !== "provisional") return "";
  const years = basis.provisional_years.join(", ");
  return `<span class="badge provisional" title="${escapeHtml(t("provisional_hint", { years }))}">${t("provisional")}</span>`;
}
