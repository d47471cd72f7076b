// The status line: what is happening, what went wrong.
import { ApiError } from "../api.js";
import { t } from "../i18n.js";
import { $ } from "./state.js";

export function say(text, kind = "") {
  const el = $("#status");
  el.textContent = text;
  el.className = `status ${kind}`;
}

// what went wrong, in the reader's language: the kind of refusal by its HTTP status in words of
// ours, then its message (a coded refusal in the reader's language, js/api.js; docs/console.md)
const REFUSALS = {
  400: "err_invalid", 403: "err_forbidden", 404: "err_not_found", 409: "err_conflict",
  412: "err_changed", 413: "err_too_large", 422: "err_invalid", 428: "err_changed", 429: "err_busy",
};

export function errorText(err) {
  if (!(err instanceof ApiError)) return t("err_network");
  const kind = REFUSALS[err.status] || (err.status >= 500 ? "err_server" : "err_invalid");
  return err.message ? t("err_with_detail", { what: t(kind), detail: err.message }) : t(kind);
}

// `fn()` with "loading" on the status line, its error there instead of thrown (undefined back)
export async function busy(fn) {
  say(t("loading"));
  try {
    const out = await fn();
    say("");
    return out;
  } catch (err) {
    say(`${t("error")}: ${errorText(err)}`, "error");
    if (!(err instanceof ApiError)) console.error(err);
    return undefined;
  }
}
