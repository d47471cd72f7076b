// The webhooks screen (admin, at the foot of the notices tab): the receivers of the notice
// events (docs/webhooks.md), one added — the service refuses a receiver it may not call (the
// server-side request forgery check, api.webhooks.check_target) and the form says why in the
// console's language —, its secret shown the once the service gives it, the outbox of one
// receiver (status, attempts, the last answer), and a receiver removed.
import { api } from "../api.js";
import { escapeHtml, shortTime, t } from "../i18n.js";
import { $ } from "./state.js";
import { busy } from "./status.js";

let outboxOf = null; // the subscription whose deliveries are shown

const isAdmin = () => document.body.dataset.role === "admin";

export function wireWebhooks() {
  $("#webhooks").addEventListener("toggle", () => { if ($("#webhooks").open) loadWebhooks(); });
  $("#webhook-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const body = {
      url: f.url.value.trim(),
      description: f.description.value.trim(),
      events: [...f.querySelectorAll("input[name=events]:checked")].map((x) => x.value),
    };
    if (f.secret.value.trim()) body.secret = f.secret.value.trim();
    refused(null);
    $("#webhook-secret").hidden = true;
    let created;
    try {
      created = await api("POST", "/api/webhooks", body);
    } catch (err) {
      refused(err);
      return;
    }
    f.reset();
    const shown = $("#webhook-secret");
    shown.innerHTML = `<p class="help">${escapeHtml(t("webhook_secret_once"))}</p><p><code>${escapeHtml(created.secret)}</code></p>`;
    shown.hidden = false;
    await loadWebhooks();
  });
}

// the service's refusal, said plainly: a receiver it may not call (422 with the host first in
// its detail), or a URL it does not take (the model's own check)
function refused(err) {
  const box = $("#webhook-error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  const detail = err.message || "";
  const target = err.status === 422 && typeof err.body?.detail === "string" && /WATEROPS_WEBHOOK_HOSTS/.test(detail);
  box.innerHTML = target
    ? `<p><strong>${escapeHtml(t("webhook_refused", { host: detail.split(" ", 1)[0] }))}</strong></p>
       <p>${escapeHtml(t("webhook_refused_help"))}</p><p class="help" lang="en">${escapeHtml(detail)}</p>`
    : `<p><strong>${escapeHtml(err.status === 422 ? t("webhook_invalid") : `${t("error")}: `)}</strong>${escapeHtml(detail)}</p>`;
  box.hidden = false;
}

export async function loadWebhooks() {
  if (!isAdmin() || !$("#webhooks").open) return;
  const hooks = await busy(() => api("GET", "/api/webhooks"));
  if (!hooks) return;
  const events = (w) => (w.events.length === 4 ? t("webhook_all_events") : w.events.map((e) => t(`ev_${e}`)).join("、"));
  $("#webhook-list").innerHTML = hooks.length
    ? `<table class="data"><thead><tr><th>${t("webhook_url")}</th><th>${t("webhook_event")}</th>
        <th>${t("webhook_pending")} / ${t("webhook_dead")}</th><th></th></tr></thead><tbody>
      ${hooks.map((w) => `<tr data-webhook="${w.id}"><td><code class="webhook-url">${escapeHtml(w.url)}</code>
          ${w.description ? `<br>${escapeHtml(w.description)}` : ""}<br><span class="muted">${escapeHtml(w.created_by)} ${shortTime(w.created_at)}</span></td>
        <td>${escapeHtml(events(w))}</td><td class="num">${w.pending} / ${w.dead}</td>
        <td><button type="button" class="webhook-deliveries">${t("webhook_deliveries")}</button>
          <button type="button" class="webhook-remove danger">${t("webhook_remove")}</button></td></tr>`).join("")}</tbody></table>`
    : `<p class="help">${t("webhook_none")}</p>`;
  for (const tr of document.querySelectorAll("#webhook-list tr[data-webhook]")) {
    const hook = hooks.find((w) => String(w.id) === tr.dataset.webhook);
    tr.querySelector(".webhook-deliveries").addEventListener("click", () => showDeliveries(hook));
    tr.querySelector(".webhook-remove").addEventListener("click", () => remove(hook));
  }
  const still = hooks.find((w) => w.id === outboxOf?.id);
  if (still) await showDeliveries(still);
  else { outboxOf = null; $("#webhook-deliveries").innerHTML = ""; }
}

async function showDeliveries(hook) {
  outboxOf = hook;
  const rows = await busy(() => api("GET", `/api/webhooks/${hook.id}/deliveries`));
  if (!rows) return;
  const answer = (d) => [d.last_status ?? "", d.last_error].filter((x) => x !== "").join(" ");
  $("#webhook-deliveries").innerHTML = `<h4>${escapeHtml(t("webhook_deliveries_of", { url: hook.url }))}</h4>
    ${rows.length ? "" : `<p class="help">${t("webhook_no_deliveries")}</p>`}
    <table class="data"><thead><tr><th>${t("webhook_event")}</th><th>${t("webhook_notice")}</th><th>${t("status")}</th>
      <th>${t("webhook_attempts")}</th><th>${t("webhook_last_answer")}</th><th>${t("webhook_when")}</th></tr></thead><tbody>
    ${rows.map((d) => `<tr data-delivery="${d.id}" class="delivery-${escapeHtml(d.status)}">
      <td>${escapeHtml(t(`ev_${d.event_type}`))}<br><code>${escapeHtml(d.event_type)}</code></td><td><code>${escapeHtml(d.outage_id)}</code></td>
      <td>${escapeHtml(t(`dstatus:${d.status}`))}</td><td class="num">${d.attempts}</td><td class="webhook-answer">${escapeHtml(answer(d))}</td>
      <td>${d.delivered_at ? shortTime(d.delivered_at) : d.next_attempt_at ? `${t("webhook_next")} ${shortTime(d.next_attempt_at)}` : ""}</td></tr>`).join("")}</tbody></table>`;
}

async function remove(hook) {
  if (!confirm(t("webhook_remove_confirm", { url: hook.url }))) return;
  const done = await busy(async () => { await api("DELETE", `/api/webhooks/${hook.id}`); return true; });
  if (done) {
    if (outboxOf?.id === hook.id) outboxOf = null;
    await loadWebhooks();
  }
}
