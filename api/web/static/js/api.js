// The console's HTTP client: the bearer token in sessionStorage, errors as readable messages.
import { refusal } from "./i18n.js";

const KEY = "waterops.token";

export class ApiError extends Error {
  constructor(status, message, body) { super(message); this.status = status; this.body = body; }
}

const EXPIRES = "waterops.token.expires"; // epoch ms
const ISSUED = "waterops.token.issued";

export function token() { return sessionStorage.getItem(KEY); }
export function signOut() {
  for (const k of [KEY, EXPIRES, ISSUED, "waterops.user"]) sessionStorage.removeItem(k);
}

function keep(data) {
  sessionStorage.setItem(KEY, data.access_token);
  sessionStorage.setItem(ISSUED, String(Date.now()));
  sessionStorage.setItem(EXPIRES, String(Date.now() + data.expires_in * 1000));
}

// A sliding session: while the user works (a key or a click in the last token's lifetime), the
// token is renewed a few minutes before it expires; a console left idle since the token came
// expires and asks for the password again; the service refuses renewals past its session limit.
let lastInput = Date.now();
for (const ev of ["pointerdown", "keydown"]) addEventListener(ev, () => { lastInput = Date.now(); }, true);

export async function renew() {
  const r = await fetch("/api/auth/refresh", { method: "POST", headers: { Authorization: `Bearer ${token()}` } });
  if (r.status === 401) { signOut(); onUnauthorised(); throw new ApiError(401, "signed out"); }
  if (!r.ok) throw new ApiError(r.status, r.statusText);
  keep(await r.json());
}

setInterval(() => {
  const expires = Number(sessionStorage.getItem(EXPIRES) || 0);
  if (!token() || !expires) return;
  const issued = Number(sessionStorage.getItem(ISSUED) || 0);
  if (expires - Date.now() < 5 * 60_000 && lastInput > issued) {
    renew().catch(() => {}); // a refused renewal signs out (above); a network blip retries
  }
}, 30_000);

export async function signIn(username, password) {
  const r = await fetch("/api/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }),
  });
  if (!r.ok) throw new ApiError(r.status, (await r.json().catch(() => ({}))).detail || r.statusText);
  keep(await r.json());
  const me = await api("GET", "/api/auth/me");
  sessionStorage.setItem("waterops.user", JSON.stringify(me));
  return me;
}

export function me() {
  try { return JSON.parse(sessionStorage.getItem("waterops.user") || "null"); } catch { return null; }
}

let onUnauthorised = () => {};
export function whenSignedOut(fn) { onUnauthorised = fn; }

// the message of a refusal: a coded one in the reader's language (i18n.js refusal), falling
// back to the service's English detail
function message(data, fallback) {
  const detail = data && data.detail;
  if (data && data.code) return refusal(data.code, data.params, typeof detail === "string" ? detail : "") || fallback;
  if (!detail) return fallback;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return JSON.stringify(detail);
}

// api("POST", "/api/plans", {day}) → parsed JSON; options.version sends If-Match
export async function api(method, path, body, options = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (options.version !== undefined) headers["If-Match"] = `"${options.version}"`;
  if (options.idempotent) headers["Idempotency-Key"] = crypto.randomUUID();
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) { signOut(); onUnauthorised(); throw new ApiError(401, "signed out"); }
  const type = r.headers.get("content-type") || "";
  // 204 No Content (DELETE /api/webhooks/{id}) has no body to read, whatever its content-type
  const data = r.status === 204 ? null : type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, message(data, r.statusText), data);
  return data;
}

// a multipart form (file uploads) with the token
export async function upload(path, formData) {
  const r = await fetch(path, { method: "POST", headers: { Authorization: `Bearer ${token()}` }, body: formData });
  if (r.status === 401) { signOut(); onUnauthorised(); throw new ApiError(401, "signed out"); }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new ApiError(r.status, message(data, r.statusText), data);
  return data;
}

// a file the API makes (crew sheets): fetched with the token, then saved by the browser
export async function download(path, filename) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (!r.ok) throw new ApiError(r.status, r.statusText);
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function publicJson(path) {
  const r = await fetch(path);
  if (!r.ok) throw new ApiError(r.status, r.statusText);
  return r.json();
}
