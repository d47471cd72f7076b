// The new work tab (新建工单): a connection application, a repair report, the applications
// waiting for acceptance, the repair tickets and the open jobs, cancelling a ticket with a
// reason; and the job detail (openJob), opened from the list, the map or the timeline.
import { api, ApiError } from "../api.js";
import { code, currentLang, escapeHtml, historyNote, shortTime, t } from "../i18n.js";
import { calendarBadge, dateTime24, dateTimeFields, describeJob } from "./format.js";
import { showTicketIsolation } from "./isolation.js";
import { $, state } from "./state.js";
import { busy, errorText, say } from "./status.js";
import { focusValve } from "./valves.js";

let openedJob = null; // the id of the job opened under its row
let ticketOutcome = null; // the last ticket cancelled here: { ticket, jobs }

export const workTab = {
  show() {
    if (state.map && jobsOverlay()) jobsOverlay().addTo(state.map);
    loadJobs();
  },
  rerender(shown) {
    if (shown) loadJobs();
    if (openedJob) openJob(openedJob);
  },
};

// the open jobs for the map layer, loaded once the map is drawn (and with the list after)
export async function loadJobMarkers() {
  const lists = await Promise.all(ACTIVE.map((s) => api("GET", `/api/jobs?status=${s}&limit=500`).catch(() => [])));
  drawJobMarkers(lists.flat());
}

function formBody(form, numbers = []) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.type === "submit" || el.type === "button") continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.value !== "") out[el.name] = numbers.includes(el.name) ? Number(el.value) : el.value;
  }
  return out;
}

export function wireWork() {
  $("#conn-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = formBody(e.target, ["lon", "lat", "dn_mm", "line_length_m"]);
    if (body.lon === undefined) { say(t("pick_on_map"), "error"); return; }
    const app = await busy(() => api("POST", "/api/connections", body, { idempotent: true }));
    if (app) {
      const when = app.deadline
        ? `${t("deadline")} ${shortTime(app.deadline.due)} ${calendarBadge(app.deadline.calendar)}`
        : `${t("acceptance_due")} ${shortTime(app.intake.acceptance_due)}`;
      $("#work-result").innerHTML = `<p class="ok" id="conn-created">${t("created", { id: escapeHtml(app.application) })} · ${when}</p>`;
      e.target.reset(); $(".picked", e.target).textContent = ""; loadJobs();
    }
  });
  // a counter application is accepted at once (即办); a remote one may wait for acceptance
  const channel = $("#conn-form select[name=channel]");
  const accept = $("#conn-form input[name=accept]");
  channel.addEventListener("change", () => {
    accept.disabled = channel.value === "counter";
    if (accept.disabled) accept.checked = true;
  });
  accept.disabled = true;
  $("#repair-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = formBody(e.target, ["lon", "lat"]);
    if (body.pipe_id) { delete body.lon; delete body.lat; }
    const ticket = await busy(() => api("POST", "/api/repairs", body, { idempotent: true }));
    if (ticket) {
      $("#work-result").innerHTML = `<p class="ok">${t("created", { id: escapeHtml(ticket.ticket || "") })} · ${ticket.jobs?.length ?? 0} ${t("job")}</p>`;
      e.target.reset(); $(".picked", e.target).textContent = ""; loadJobs();
      if (ticket.isolation) showTicketIsolation(ticket.isolation);
    }
  });
}

async function loadIntake() {
  const intake = await api("GET", "/api/connections/intake").catch(() => null);
  if (!intake) return;
  const rows = [...intake.late, ...intake.waiting];
  $("#intake").innerHTML = rows.length ? `<table class="data" id="intake-table"><thead><tr><th>ID</th><th>${t("customer")}</th><th>${t("channel")}</th>
      <th>${t("received")}</th><th>${t("acceptance_due")}</th><th></th></tr></thead><tbody>
    ${rows.map((a) => `<tr data-app="${escapeHtml(a.application)}"><td><code>${escapeHtml(a.application)}</code></td><td>${escapeHtml(a.customer)}</td>
      <td>${escapeHtml(t(`ch_${a.intake.channel}`))}</td><td>${shortTime(a.intake.received_at)}</td>
      <td>${shortTime(a.intake.acceptance_due)} ${a.intake.status === "late" ? `<span class="badge late">${t("late_intake")}</span>` : ""}</td>
      <td><button type="button" class="accept needs-dispatcher">${t("accept")}</button></td></tr>`).join("")}</tbody></table>`
    : `<p class="help">${t("intake_none")}</p>`;
  for (const b of document.querySelectorAll("#intake-table button.accept")) {
    b.addEventListener("click", async () => {
      const id = b.closest("tr").dataset.app;
      const app = await busy(() => api("POST", `/api/connections/${encodeURIComponent(id)}/accept`, {}));
      if (app) {
        $("#work-result").innerHTML = `<p class="ok">${escapeHtml(app.application)} · ${t("deadline")} ${shortTime(app.deadline.due)} ${calendarBadge(app.deadline.calendar)}</p>`;
        loadIntake(); loadJobs();
      }
    });
  }
}

// the jobs still to do: open, assigned, on the way, on site (done and cancelled ones are not)
const ACTIVE = ["open", "assigned", "en_route", "on_site"];

async function loadJobs() {
  loadIntake();
  const tickets = loadRepairs();
  const lists = await Promise.all(ACTIVE.map((s) => api("GET", `/api/jobs?status=${s}&limit=500`).catch(() => [])));
  const jobs = lists.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  $("#jobs").innerHTML = `<table class="data clickable" id="jobs-table"><thead><tr><th>${t("job")}</th><th>${t("kind")}</th><th>${t("status")}</th><th>${t("due")}</th></tr></thead><tbody>
    ${jobs.map((j) => `<tr data-job="${escapeHtml(j.id)}"><td><code>${escapeHtml(j.id)}</code></td><td>${escapeHtml(code("kind", j.kind))}<div class="muted job-line">${escapeHtml(describeJob(j))}</div></td>
      <td class="job-status">${jobStatus(j.status)}</td><td>${shortTime(j.deadline || j.due)} ${calendarBadge(j.calendar)}</td></tr>`).join("")}</tbody></table>`;
  for (const tr of document.querySelectorAll("#jobs-table tr[data-job]")) {
    tr.addEventListener("click", () => (openedJob === tr.dataset.job ? closeJob() : openJob(tr.dataset.job)));
    if (tr.dataset.job === openedJob) tr.classList.add("selected");
  }
  drawJobMarkers(jobs);
  await tickets;
}

// -- the job detail: one job, opened from the list, the map or the timeline ---------------
// A panel over the map (#job-panel): what the job is, how its deadline was set, the chain it
// belongs to, its history and notes; for a dispatcher *Complete*, *Reschedule* and *Cancel*,
// each with a reason kept in the history. `openJob(id)` is the one way in (plan.js calls it).

const CANCELLABLE = new Set(ACTIVE);
const RESCHEDULABLE = new Set(["open", "assigned"]);

function jobStatus(status) {
  return `<span class="badge job-${escapeHtml(status)}">${escapeHtml(code("status", status))}</span>`;
}

function panel() {
  let el = document.getElementById("job-panel");
  if (!el) {
    el = document.createElement("aside");
    el.id = "job-panel";
    el.className = "job-panel";
    el.setAttribute("role", "dialog");
    el.setAttribute("aria-label", t("job_detail"));
    el.hidden = true;
    ($("#app") || document.body).append(el);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !el.hidden) closeJob(); });
  }
  return el;
}

export function closeJob() {
  const el = document.getElementById("job-panel");
  if (el) { el.hidden = true; el.innerHTML = ""; }
  for (const tr of document.querySelectorAll("#jobs-table tr.selected")) tr.classList.remove("selected");
  jobMark?.remove();
  openedJob = null;
}

// the open jobs on the map (shown with the work tab; the layer control can hide them)
let jobLayer = null;
let jobMark = null;

export function jobsOverlay() {
  if (!jobLayer && window.L) jobLayer = window.L.layerGroup();
  return jobLayer;
}

function drawJobMarkers(jobs) {
  const layer = jobsOverlay();
  if (!layer) return;
  layer.clearLayers();
  for (const j of jobs) {
    if (!j.location) continue;
    window.L.circleMarker([j.location[1], j.location[0]], {
      renderer: state.work, radius: 6, weight: 2, color: "#343a40", fillColor: JOB_COLOURS[j.status] || "#fff", fillOpacity: 1,
      className: "job-marker",
    }).bindTooltip(`${escapeHtml(j.id)} · ${escapeHtml(code("kind", j.kind))} · ${escapeHtml(code("status", j.status))}`)
      .on("click", (e) => { window.L.DomEvent.stopPropagation(e); openJob(j.id); })
      .addTo(layer);
  }
}

const JOB_COLOURS = { open: "#fff", assigned: "#74c0fc", en_route: "#1c7ed6", on_site: "#fab005" };

function when(iso) { return iso ? shortTime(iso) : "—"; }

// how the deadline was set, in words (the service's deadline_basis)
function deadlineText(b, job) {
  if (!b) return "";
  const lines = [];
  if (b.rule === "table1") {
    const name = currentLang() === "zh" ? b.type_chinese : String(b.type || "").replaceAll("_", " ");
    lines.push(t("basis_table1", { row: b.row ?? "—", name, days: b.days, unit: t(b.unit === "working days" ? "unit_working_days" : "unit_calendar_days"), from: when(b.from), due: when(b.application_due) }));
    if (b.chained) lines.push(t("basis_chained", { due: when(b.deadline) }));
  } else if (b.rule === "follow_up") {
    lines.push(t("basis_follow_up", { days: b.days ?? "", from: when(b.from) }));
  } else if (b.rule === "repair_target") {
    lines.push(t("basis_repair_target", { ticket: b.ticket }));
  } else if (b.rule === "programme") {
    lines.push(t("basis_programme", { source: b.source }));
  } else if (b.rule === "given") {
    lines.push(t("basis_given"));
  } else {
    lines.push(t("basis_none"));
  }
  const due = job.deadline ? `${t("deadline_hard")} ${when(job.deadline)}` : job.due ? `${t("due_soft")} ${when(job.due)}` : "";
  return `${due ? `<div class="job-due"><strong>${due}</strong> ${calendarBadge(b.calendar || job.calendar)}</div>` : ""}
    ${lines.map((l) => `<div class="muted">${escapeHtml(l)}</div>`).join("")}`;
}

// a job opened in the panel; `notice` is markup of ours (an outcome) shown at its top
export async function openJob(id, notice = "") {
  let job;
  try { job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`); } catch (err) { say(`${t("error")}: ${errorText(err)}`, "error"); return; }
  const el = panel();
  openedJob = id;
  for (const tr of document.querySelectorAll("#jobs-table tr[data-job]")) {
    tr.classList.toggle("selected", tr.dataset.job === id);
    if (tr.dataset.job === id) tr.querySelector(".job-status").innerHTML = jobStatus(job.status);
  }
  const history = job.history.map((h) => `<li>${shortTime(h.at)} · ${jobStatus(h.status)}${h.crew ? ` · ${escapeHtml(h.crew)}` : ""} · ${escapeHtml(h.by)}${h.note ? ` — <span class="note">${escapeHtml(historyNote(h))}</span>` : ""}</li>`).join("");
  const notes = job.notes.map((n) => `<li>${shortTime(n.at)} · ${escapeHtml(n.by)} — <span class="note">${escapeHtml(n.text)}</span></li>`).join("");
  const chain = job.chain.map((c) => `<li data-job="${escapeHtml(c.id)}" class="${c.id === job.id ? "current" : ""}">
      <button type="button" class="link open-chain" ${c.id === job.id ? "disabled" : ""}>${escapeHtml(c.step ? code("step", c.step) : code("kind", c.kind))}</button>
      <code>${escapeHtml(c.id)}</code> ${jobStatus(c.status)}${c.valve ? ` · ${t("valve")} <code>${escapeHtml(c.valve)}</code>` : ""}${c.crew ? ` · ${escapeHtml(c.crew)}` : ""}</li>`).join("");
  // an open end reads as such: "12-07 22:18 起" / "from 12-07 22:18", "… 前" / "by …"
  const span = job.earliest && job.latest_start ? `${when(job.earliest)} – ${when(job.latest_start)}`
    : job.earliest ? t("job_window_from", { at: when(job.earliest) }) : t("job_window_by", { at: when(job.latest_start) });
  const window_ = job.earliest || job.latest_start ? `<div class="muted job-window">${t("job_window")}: ${span}</div>` : "";
  el.innerHTML = `<div id="job-detail">
    <div class="row job-head"><h3><code>${escapeHtml(job.id)}</code> ${escapeHtml(code("kind", job.kind))}</h3><span class="spacer"></span>
      <button type="button" class="link" id="job-close" aria-label="${escapeHtml(t("close"))}">×</button></div>
    ${notice}
    <div>${jobStatus(job.status)}${job.crew ? ` · ${t("crew")} ${escapeHtml(job.crew)}` : ""} · ${escapeHtml(t("duration_min", { n: job.duration_min }))}${job.skills.length ? ` · ${job.skills.map((k) => escapeHtml(code("skill", k))).join(", ")}` : ""}</div>
    <div class="job-summary">${escapeHtml(describeJob(job))}</div>
    ${job.description && !job.describe ? `<div class="muted job-recorded">${t("as_recorded")}: ${escapeHtml(job.description)}</div>` : ""}
    ${job.source ? `<div class="muted">${t("source")}: <code>${escapeHtml(job.source)}</code></div>` : ""}
    ${job.ticket ? `<div class="muted job-ticket">${t("ticket")}: <code>${escapeHtml(job.ticket)}</code></div>` : ""}
    ${job.valve ? `<div class="muted job-valve">${t("valve")}: <code>${escapeHtml(job.valve)}</code> <button type="button" class="link" id="job-locate-valve">${t("locate")}</button></div>` : ""}
    <div class="row"><button type="button" class="link" id="job-locate">${t("show_on_map")}</button></div>
    <h4>${t("deadline")}</h4>
    <div id="job-deadline">${deadlineText(job.deadline_basis, job)}</div>
    ${window_}
    ${chain ? `<h4>${t("job_chain")}</h4><ol class="history" id="job-chain">${chain}</ol>` : ""}
    <h4>${t("history")}</h4>
    <ol class="history" id="job-history">${history}</ol>
    <div class="row needs-dispatcher job-actions">
      ${CANCELLABLE.has(job.status) ? `<button type="button" class="primary" id="complete-job">${t("complete_job")}</button>` : ""}
      ${RESCHEDULABLE.has(job.status) ? `<button type="button" id="reschedule-job">${t("reschedule_job")}</button>` : ""}
      ${CANCELLABLE.has(job.status) ? `<button type="button" class="danger" id="cancel-job">${t("cancel_job")}</button>` : ""}
    </div>
    <div class="reason-host"></div></div>
    <section class="job-notes">
    <h4>${t("job_notes")}</h4>
    <ol class="history" id="job-notes">${notes || `<li class="muted">${t("none")}</li>`}</ol>
    <form id="job-note-form" class="needs-operator" novalidate>
      <label class="wide"><span>${t("add_note")}</span><textarea name="text" rows="2" maxlength="2000" required></textarea></label>
      <div class="row"><button type="submit">${t("add_note")}</button></div><p class="error" role="alert"></p></form></section>`;
  el.hidden = false;
  const host = $(".reason-host", el);
  const clear = () => { host.innerHTML = ""; };
  $("#job-close", el).addEventListener("click", closeJob);
  $("#job-locate", el).addEventListener("click", () => locateJob(job));
  $("#job-locate-valve", el)?.addEventListener("click", () => focusValve(job.valve));
  for (const b of el.querySelectorAll("#job-chain button.open-chain")) b.addEventListener("click", () => openJob(b.closest("li").dataset.job));
  wireNoteForm(el, id);
  // a step of the status machine with a reason; the version the dispatcher read: a job changed
  // meanwhile (a crew arrived) is refused (412) and opened again as it now is, not changed unseen
  const refused = (failed) => async (err) => {
    if (err.status !== 412) return t(failed, { job: id, why: errorText(err) });
    await openJob(id, `<p class="warn" id="job-outcome">${escapeHtml(t("job_changed", { job: id }))}</p>`);
    return null;
  };
  const step = (status, done) => async (reason) => {
    await api("POST", `/api/jobs/${encodeURIComponent(id)}/status`, { status, note: reason }, { version: job.version });
    await openJob(id, `<p class="ok" id="job-outcome">${escapeHtml(t(done, { job: id }))}</p>`);
    refreshList();
  };
  $("#cancel-job", el)?.addEventListener("click", () => askReason(host, {
    confirm: t("cancel_job_confirm"), close: clear, send: step("cancelled", "job_cancelled"), refused: refused("job_not_cancelled"),
  }));
  $("#complete-job", el)?.addEventListener("click", () => askReason(host, {
    confirm: t("complete_job_confirm"), label: t("complete_why"), kind: "primary", close: clear,
    send: step("done", "job_completed"), refused: refused("job_not_completed"),
  }));
  $("#reschedule-job", el)?.addEventListener("click", () => askReason(host, {
    confirm: t("reschedule_confirm"), label: t("reschedule_why"), kind: "primary", close: clear,
    extra: `<label><span>${t("earliest")}</span>${dateTimeFields("earliest", (job.earliest || "").slice(0, 16))}</label>
      <label><span>${t("latest_start")}</span>${dateTimeFields("latest_start", (job.latest_start || "").slice(0, 16))}</label>`,
    check: (form) => (dateTime24(form, "earliest") === null || dateTime24(form, "latest_start") === null ? t("datetime_hint") : null),
    send: async (reason, form) => {
      const body = { reason, earliest: dateTime24(form, "earliest") || null, latest_start: dateTime24(form, "latest_start") || null };
      await api("POST", `/api/jobs/${encodeURIComponent(id)}/reschedule`, body, { version: job.version });
      await openJob(id, `<p class="ok" id="job-outcome">${escapeHtml(t("job_rescheduled", { job: id }))}</p>`);
      refreshList();
    },
    refused: refused("job_not_rescheduled"),
  }));
  locateJob(job, false);
}

function refreshList() {
  if (document.querySelector("#jobs-table")) loadJobs();
}

function wireNoteForm(el, id) {
  const form = $("#job-note-form", el);
  const error = $(".error", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = form.text.value.trim();
    if (!text) { error.textContent = t("note_required"); form.text.focus(); return; }
    try {
      await api("POST", `/api/jobs/${encodeURIComponent(id)}/notes`, { text });
      await openJob(id, `<p class="ok" id="job-outcome">${escapeHtml(t("note_added"))}</p>`);
    } catch (err) {
      error.textContent = `${t("error")}: ${errorText(err)}`;
    }
  });
}

// the job's place on the map: a ring (and the view moved there when asked)
function locateJob(job, pan = true) {
  if (!state.map || !job.location || !window.L) return;
  const at = [job.location[1], job.location[0]];
  jobMark?.remove();
  jobMark = window.L.circleMarker(at, { renderer: state.work, radius: 12, color: "#d6336c", weight: 3, fill: false, interactive: false })
    .addTo(state.map);
  if (pan) state.map.setView(at, Math.max(state.map.getZoom(), 17));
}

// A reason asked for in place — a cancellation needs one, kept in the history — instead of a
// browser prompt: a small form in `host`. `send(reason)` makes the request; a refusal is shown
// in the form in the words `refused(err)` gives (null: it has dealt with it), the service's own
// message included (refusals stay English, docs/console.md).
function askReason(host, { confirm, send, refused, close, check = () => null, label = t("cancel_why"), kind = "danger", extra = "" }) {
  host.innerHTML = `<form class="reason-form" novalidate>
    ${extra}
    <label><span>${escapeHtml(label)}</span><input name="reason" required aria-required="true" maxlength="2000" autocomplete="off"></label>
    <div class="row"><button type="submit" class="${kind}">${escapeHtml(confirm)}</button><button type="button" class="back">${t("back")}</button></div>
    <p class="error" role="alert"></p></form>`;
  const form = $("form", host);
  const error = $(".error", form);
  $(".back", form).addEventListener("click", close);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) { error.textContent = t("reason_required"); form.reason.focus(); return; }
    const bad = check(form); // the extra fields, read before anything is sent
    if (bad) { error.textContent = bad; return; }
    const button = $("button[type=submit]", form);
    button.disabled = true;
    error.textContent = "";
    try {
      await send(reason, form);
    } catch (err) {
      if (!(err instanceof ApiError)) console.error(err);
      const text = await refused(err);
      if (text !== null) error.textContent = text;
      button.disabled = false;
    }
  });
  form.reason.focus();
}

async function loadRepairs() {
  const tickets = await api("GET", "/api/repairs?limit=50").catch(() => null);
  if (!tickets) return;
  const outcome = ticketOutcome; // the last ticket cancelled here, in today's language
  $("#repairs-result").innerHTML = outcome ? `<p class="ok" id="ticket-outcome">${escapeHtml(t("ticket_cancelled", { ticket: outcome.ticket, n: outcome.jobs.length }))}
    ${outcome.jobs.map((j) => `<code class="job-id">${escapeHtml(j)}</code>`).join(" ") || t("none")}</p>` : "";
  const cancelled = (c) => (c ? `<div class="muted cancelled-reason">${escapeHtml(t("cancelled_by", { reason: c.reason, by: c.by, at: c.at ? shortTime(c.at) : "—" }))}</div>` : "");
  $("#repairs").innerHTML = tickets.length ? `<table class="data" id="repairs-table"><thead><tr><th>${t("ticket")}</th>
      <th>${t("reported")}</th><th>${t("status")}</th><th></th></tr></thead><tbody>
    ${tickets.map((r) => `<tr data-ticket="${escapeHtml(r.ticket)}"><td><code>${escapeHtml(r.ticket)}</code>
        <div class="muted">${escapeHtml(r.pipe)} · ${escapeHtml(t(`sev_${r.severity}`))}</div></td>
      <td>${shortTime(r.reported_at)}</td>
      <td><span class="badge ticket-${escapeHtml(r.status)}">${escapeHtml(code("ticket", r.status))}</span>${cancelled(r.cancelled)}</td>
      <td class="action">${r.status === "open" ? `<button type="button" class="cancel-ticket needs-operator">${t("cancel_ticket")}</button>` : ""}</td></tr>`).join("")}</tbody></table>`
    : `<p class="help">${t("repairs_none")}</p>`;
  for (const b of document.querySelectorAll("#repairs-table button.cancel-ticket")) b.addEventListener("click", () => askTicketCancel(b.closest("tr")));
}

// *Cancel ticket*: the ticket and its jobs not yet started are cancelled, the reason in each
// job's history; the service refuses (409) while a crew is on the way or on site
function askTicketCancel(tr) {
  const ticket = tr.dataset.ticket;
  document.querySelector("#repairs-table tr.reason-row")?.remove();
  const row = document.createElement("tr");
  row.className = "reason-row";
  row.innerHTML = `<td colspan="4"></td>`;
  tr.after(row);
  askReason(row.firstElementChild, {
    confirm: t("cancel_ticket_confirm"),
    close: () => row.remove(),
    send: async (reason) => {
      const done = await api("POST", `/api/repairs/${encodeURIComponent(ticket)}/cancel`, { reason });
      ticketOutcome = { ticket, jobs: done.cancelled_jobs };
      await loadJobs(); // the ticket's row and its jobs, as they now stand
      $("#repairs-result").scrollIntoView({ block: "nearest" });
    },
    refused: (err) => t("ticket_not_cancelled", { ticket, why: errorText(err) }),
  });
}
