// The status line: what is happening, what went wrong.
import { ApiError } from "../api.js";
import { t } from "../i18n.js";
import { $ } from "./state.js";

export function say(text, kind = "") {
  const el = $("#status");
  el.textContent = text;
  el.className = `status ${kind}`;
}

// `fn()` with "loading" on the status line, its error there instead of thrown (undefined back)
export async function busy(fn) {
  say(t("loading"));
  try {
    const out = await fn();
    say("");
    return out;
  } catch (err) {
    say(`${t("error")}: ${err.message}`, "error");
    if (!(err instanceof ApiError)) console.error(err);
    return undefined;
  }
}
