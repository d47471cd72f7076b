// The new work tab (新建工单): a connection application, a repair report, the applications
// waiting for acceptance, the repair tickets and the open jobs (one opened under its row with
// its history), cancelling a job or a ticket with a reason.
import { api, ApiError } from "../api.js";
import { code, escapeHtml, shortTime, t } from "../i18n.js";
import { calendarBadge } from "./format.js";
import { showTicketIsolation } from "./isolation.js";
import { $ } from "./state.js";
import { busy, say } from "./status.js";

let openedJob = null; // the id of the job opened under its row
let ticketOutcome = null; // the last ticket cancelled here: { ticket, jobs }

export const workTab = {
  show() {
    loadJobs();
  },
  rerender(shown) {
    if (shown) loadJobs();
  },
};

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
    ${jobs.map((j) => `<tr data-job="${escapeHtml(j.id)}"><td><code>${escapeHtml(j.id)}</code></td><td>${escapeHtml(code("kind", j.kind))}</td>
      <td class="job-status">${jobStatus(j.status)}</td><td>${shortTime(j.deadline || j.due)} ${calendarBadge(j.meta?.calendar)}</td></tr>`).join("")}</tbody></table>`;
  for (const tr of document.querySelectorAll("#jobs-table tr[data-job]")) {
    tr.addEventListener("click", () => (openedJob === tr.dataset.job ? closeJob() : openJob(tr.dataset.job)));
  }
  if (openedJob && jobs.some((j) => j.id === openedJob)) openJob(openedJob);
  await tickets;
}

// -- one job, its history, and cancelling jobs and repair tickets ------------------------

const CANCELLABLE = new Set(ACTIVE);

function jobStatus(status) {
  return `<span class="badge job-${escapeHtml(status)}">${escapeHtml(code("status", status))}</span>`;
}

function closeJob() {
  document.querySelector("#jobs-table tr.job-detail")?.remove();
  document.querySelector("#jobs-table tr.selected")?.classList.remove("selected");
  openedJob = null;
}

// a job opened under its row: what it is, its history (who changed it, when, why) and, for a
// dispatcher, *Cancel job*; `notice` is markup of ours (an outcome) shown at its top
async function openJob(id, notice = "") {
  let job;
  try { job = await api("GET", `/api/jobs/${encodeURIComponent(id)}`); } catch (err) { say(`${t("error")}: ${err.message}`, "error"); return; }
  closeJob();
  const row = document.querySelector(`#jobs-table tr[data-job="${CSS.escape(id)}"]`);
  if (!row) return;
  openedJob = id;
  row.classList.add("selected");
  row.querySelector(".job-status").innerHTML = jobStatus(job.status);
  const history = job.history.map((h) => `<li>${shortTime(h.at)} · ${jobStatus(h.status)}${h.crew ? ` · ${escapeHtml(h.crew)}` : ""} · ${escapeHtml(h.by)}${h.note ? ` — <span class="note">${escapeHtml(h.note)}</span>` : ""}</li>`).join("");
  const detail = document.createElement("tr");
  detail.className = "job-detail";
  detail.innerHTML = `<td colspan="4"><div id="job-detail">
    ${notice}
    <div><code>${escapeHtml(job.id)}</code> ${escapeHtml(code("kind", job.kind))} · ${jobStatus(job.status)}${job.crew ? ` · ${t("crew")} ${escapeHtml(job.crew)}` : ""}</div>
    ${job.description ? `<div class="muted">${escapeHtml(job.description)}</div>` : ""}
    ${job.source ? `<div class="muted">${t("source")}: <code>${escapeHtml(job.source)}</code></div>` : ""}
    ${job.ticket ? `<div class="muted job-ticket">${t("ticket")}: <code>${escapeHtml(job.ticket)}</code></div>` : ""}
    ${job.valve ? `<div class="muted job-valve">${t("valve")}: <code>${escapeHtml(job.valve)}</code></div>` : ""}
    <h4>${t("history")}</h4>
    <ol class="history" id="job-history">${history}</ol>
    ${CANCELLABLE.has(job.status) ? `<div class="row needs-dispatcher"><button type="button" class="danger" id="cancel-job">${t("cancel_job")}</button></div>` : ""}
    <div class="reason-host"></div></div></td>`;
  row.after(detail);
  $("#cancel-job", detail)?.addEventListener("click", () => askReason($(".reason-host", detail), {
    confirm: t("cancel_job_confirm"),
    close: () => { $(".reason-host", detail).innerHTML = ""; },
    // the version the dispatcher read: a job changed meanwhile (a crew arrived) is refused
    // (412) and opened again as it now is, rather than cancelled unseen
    send: async (reason) => {
      await api("POST", `/api/jobs/${encodeURIComponent(id)}/status`, { status: "cancelled", note: reason }, { version: job.version });
      await openJob(id, `<p class="ok" id="job-outcome">${escapeHtml(t("job_cancelled", { job: id }))}</p>`);
    },
    refused: async (err) => {
      if (err.status !== 412) return t("job_not_cancelled", { job: id, why: err.message });
      await openJob(id, `<p class="warn" id="job-outcome">${escapeHtml(t("job_changed", { job: id }))}</p>`);
      return null;
    },
  }));
}

// A reason asked for in place — a cancellation needs one, kept in the history — instead of a
// browser prompt: a small form in `host`. `send(reason)` makes the request; a refusal is shown
// in the form in the words `refused(err)` gives (null: it has dealt with it), the service's own
// message included (refusals stay English, docs/console.md).
function askReason(host, { confirm, send, refused, close }) {
  host.innerHTML = `<form class="reason-form" novalidate>
    <label><span>${t("cancel_why")}</span><input name="reason" required aria-required="true" maxlength="2000" autocomplete="off"></label>
    <div class="row"><button type="submit" class="danger">${escapeHtml(confirm)}</button><button type="button" class="back">${t("back")}</button></div>
    <p class="error" role="alert"></p></form>`;
  const form = $("form", host);
  const error = $(".error", form);
  $(".back", form).addEventListener("click", close);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = form.reason.value.trim();
    if (!reason) { error.textContent = t("reason_required"); form.reason.focus(); return; }
    const button = $("button[type=submit]", form);
    button.disabled = true;
    error.textContent = "";
    try {
      await send(reason);
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
    refused: (err) => t("ticket_not_cancelled", { ticket, why: err.message }),
  });
}
