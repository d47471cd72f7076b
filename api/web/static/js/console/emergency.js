// An emergency in the day plan tab (突发事件): a burst or major leak picked on the map becomes a
// repair ticket, and today is re-planned from now (its published plan) or planned from now.
import { api } from "../api.js";
import { t } from "../i18n.js";
import { kaifengDate, kaifengNow } from "./format.js";
import { follow, loadPlans } from "./plan.js";
import { $ } from "./state.js";
import { busy, say } from "./status.js";

export function wireEmergency() {
  $("#emergency-form").addEventListener("submit", onEmergency);
}

async function onEmergency(e) {
  e.preventDefault();
  const form = e.target;
  if (!form.lon.value) { say(t("emergency_help"), "error"); return; }
  const ticket = await busy(() => api("POST", "/api/repairs", {
    severity: form.severity.value, lon: Number(form.lon.value), lat: Number(form.lat.value),
    description: "reported from the console",
  }, { idempotent: true }));
  if (!ticket) return;
  if (ticket.linked) { $("#moved").textContent = ticket.message; return; }
  // the plan of the day the burst is reported on (today in Kaifeng), whichever plan is open:
  // today's published plan is re-planned from now; without one, today is planned from now
  const today = kaifengDate(0);
  const plans = await busy(() => api("GET", "/api/plans"));
  if (!plans) return;
  const published = plans.filter((p) => p.day === today && p.status === "published")
    .sort((a, b) => b.id - a.id)[0];
  const child = published
    ? await busy(() => api("POST", `/api/plans/${published.id}/replan`, {}))
    : await busy(() => api("POST", "/api/plans", { day: today, now: kaifengNow() }));
  if (!child) return;
  const how = published ? t("replanned_today", { id: published.id }) : t("planned_today_from_now");
  $("#moved").textContent = `${ticket.ticket || ""} → ${t("plan_n", { id: child.id, day: child.day, status: child.status })} · ${how}`;
  await loadPlans(child.id);
  follow(child.id);
}
