// An emergency in the day plan tab (突发事件): a burst or major leak picked on the map becomes a
// repair ticket, reported at the time entered (24-hour; default now), and the day it is
// reported on is re-planned from then (its published plan) or planned from then. The
// dispatcher may allow emergency overtime (ReplanIn.overtime_hours); the crews on call are
// called out outside the shifts (ops.emergency). Once solved, the answer says up front when
// the first closure has to wait for a crew (nobody on call, no overtime), and that the new
// plan reaches no crew until it is published, with the button that publishes it (the
// dispatcher's act, recorded as theirs: docs/decisions.md, "An emergency's plan is offered
// for publishing where it was entered").
// A burst or major leak drafts its emergency notice with the ticket (ops.notices.drafting): the
// form says "notice drafted — review and publish" with a button to it, and once the plan is
// solved the draft takes the plan's window and the status line the plan's status.
import { api } from "../api.js";
import { code, escapeHtml, t } from "../i18n.js";
import { dateTime24, dateTimeFields, kaifengDate, kaifengNow } from "./format.js";
import { showNotice } from "./notices.js";
import { follow, loadPlans } from "./plan.js";
import { $ } from "./state.js";
import { busy, say } from "./status.js";

// a first closure later than this after the report: the burst waited for a crew
const WAITED_MINUTES = 60;

export function wireEmergency() {
  $("#emergency-reported").innerHTML = dateTimeFields("reported", kaifengNow(), { required: true });
  // "now" when the form is opened, not when the page was loaded
  $("#emergency").addEventListener("toggle", (e) => {
    if (e.target.open) setNow($("#emergency-form"));
  });
  $("#emergency-form").addEventListener("submit", onEmergency);
  // the offer to publish the emergency's plan, under the wait line
  const offer = document.createElement("div");
  offer.id = "emergency-publish";
  offer.className = "warn";
  offer.setAttribute("role", "alert");
  offer.hidden = true;
  $("#emergency-wait").after(offer);
  // the notice the ticket drafted (an emergency: ops.notices.drafting), to review and publish
  const notice = document.createElement("div");
  notice.id = "emergency-notice";
  notice.className = "warn";
  notice.setAttribute("role", "status");
  notice.hidden = true;
  offer.after(notice);
}

// milliseconds of a Kaifeng YYYY-MM-DDTHH:MM (or an ISO time, cut to its minutes)
function kaifeng(at) { return Date.parse(`${at.slice(0, 16)}:00+08:00`); }

function setNow(form) {
  const now = kaifengNow();
  form.elements.reported_date.value = now.slice(0, 10);
  form.elements.reported_time.value = now.slice(11, 16);
}

async function onEmergency(e) {
  e.preventDefault();
  const form = e.target;
  if (!form.lon.value) { say(t("emergency_help"), "error"); return; }
  const entered = dateTime24(form, "reported");
  if (entered === null) { say(t("datetime_hint"), "error"); return; }
  const reported = entered || kaifengNow();
  const overtime = form.overtime.value === "" ? {} : { overtime_hours: Number(form.overtime.value) };
  $("#emergency-wait").hidden = true;
  $("#emergency-publish").hidden = true;
  $("#emergency-notice").hidden = true;
  const ticket = await busy(() => api("POST", "/api/repairs", {
    severity: form.severity.value, lon: Number(form.lon.value), lat: Number(form.lat.value),
    description: "reported from the console", reported_at: reported,
  }, { idempotent: true }));
  if (!ticket) return;
  if (ticket.linked) { $("#moved").textContent = ticket.message; return; }
  showDraft(ticket.notice);
  // the plan of the day the burst is reported on (in Kaifeng), whichever plan is open: that
  // day's published plan is re-planned from the report; without one, the day is planned from it
  const day = reported.slice(0, 10);
  const plans = await busy(() => api("GET", "/api/plans"));
  if (!plans) return;
  const published = plans.filter((p) => p.day === day && p.status === "published")
    .sort((a, b) => b.id - a.id)[0];
  const child = published
    ? await busy(() => api("POST", `/api/plans/${published.id}/replan`, { now: reported, ...overtime }))
    : await busy(() => api("POST", "/api/plans", { day, now: reported, ...overtime }));
  if (!child) return;
  const at = reported.slice(11, 16);
  const today = day === kaifengDate(0);
  const how = published
    ? t(today ? "replanned_today" : "replanned_day", { id: published.id, day, at })
    : t(today ? "planned_today_from_now" : "planned_day_from", { day, at });
  // the line says the plan's status as it goes: queued, then (warnIfWaiting) ready or failed
  const line = (plan) => {
    $("#moved").textContent = `${ticket.ticket || ""} → ${t("plan_n", { id: plan.id, day: plan.day, status: code("plan", plan.status) })} · ${how}`;
  };
  line(child);
  await loadPlans(child.id);
  follow(child.id);
  warnIfWaiting(child.id, ticket, reported, line);
}

// "notice drafted — review and publish", with its window and the button that opens it
function showDraft(notice) {
  const box = $("#emergency-notice");
  if (!notice || notice.state !== "draft") { box.hidden = true; return; }
  const at = (x) => `${x.slice(5, 10)} ${x.slice(11, 16)}`;
  box.innerHTML = `<span>${escapeHtml(t("emergency_notice_drafted", { id: notice.id, start: at(notice.start), end: at(notice.end) }))}</span> <button type="button" class="needs-dispatcher">${escapeHtml(t("emergency_notice_open"))}</button>`;
  box.dataset.outage = notice.id;
  box.hidden = false;
  box.querySelector("button").addEventListener("click", () => showNotice(notice.id));
}

// Once the plan is solved, the ticket's draft takes the plan's window (POST
// /api/outages/{id}/follow-plan: a draft only; a published notice follows a published plan)
async function followPlan(notice, plan) {
  if (!notice || plan.status !== "ready") return;
  try {
    const got = await fetchOutage(notice.id);
    if (got.state !== "draft") return;
    const moved = await api("POST", `/api/outages/${encodeURIComponent(notice.id)}/follow-plan`, { plan_id: plan.id }, { version: got.version, idempotent: true });
    showDraft({ ...notice, state: moved.state, start: moved.content.start, end: moved.content.end });
  } catch { /* the draft keeps the ticket's window: it is reviewed before it is published */ }
}

function fetchOutage(id) { return api("GET", `/api/outages/${encodeURIComponent(id)}`); }

// Once the plan is solved: when the ticket's first closure starts more than WAITED_MINUTES
// after the report (or none is planned), say so in a line of its own, with what would help.
async function warnIfWaiting(id, ticket, reported, line) {
  let plan;
  for (;;) {
    try { plan = await api("GET", `/api/plans/${id}`); } catch { return; }
    if (plan.status !== "queued" && plan.status !== "solving") break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  line(plan);
  if (!plan.result) return;
  offerPublish(plan);
  await followPlan(ticket.notice, plan);
  const closures = new Set((ticket.jobs || []).filter((j) => j.step === "close").map((j) => j.id));
  const starts = plan.result.routes.flatMap((r) => r.stops)
    .filter((s) => closures.has(s.job)).map((s) => s.start).sort();
  const box = $("#emergency-wait");
  const wait = starts.length ? (kaifeng(starts[0]) - kaifeng(reported)) / 60_000 : Infinity;
  if (wait <= WAITED_MINUTES) { box.hidden = true; return; }
  box.textContent = starts.length
    ? t("emergency_waits", { at: starts[0].slice(11, 16), minutes: Math.round(wait) })
    : t("emergency_no_crew");
  box.hidden = false;
}

// A solved emergency plan that is not published reaches no crew: say so where the emergency
// was entered and offer to publish it. A refusal (an overlap to acknowledge, edits not solved)
// is said as any refusal, and the plan stays to publish from the plan view.
function offerPublish(plan) {
  const box = $("#emergency-publish");
  if (plan.status !== "ready") { box.hidden = true; return; }
  box.innerHTML = `<span>${escapeHtml(t("emergency_unpublished", { id: plan.id }))}</span> <button type="button" class="primary needs-dispatcher">${escapeHtml(t("emergency_publish"))}</button>`;
  box.hidden = false;
  box.querySelector("button").addEventListener("click", async (e) => {
    e.target.disabled = true;
    const done = await busy(() => api("POST", `/api/plans/${plan.id}/publish`, {}, { version: plan.version }));
    if (!done) { e.target.disabled = false; return; }
    box.className = "ok";
    box.textContent = t("emergency_published", {
      id: done.id, by: done.published_by || "", at: (done.published_at || "").slice(11, 16),
    });
    await loadPlans(done.id);
    // the plan view shows the plan as published (it may be the one shown already)
    $("#plan-select").dispatchEvent(new Event("change"));
  });
}
