// The field app's service worker (docs/field-app.md, "Offline first"): the app OPENS without
// network. Served by the service at /field-sw.js (scope /field) with its version and its shell
// filled in (api/routes/web.py): the version is a hash of the shell's files, so a deploy that
// changes any of them is a new worker, which caches the new shell and deletes the old caches.
//
//   the page (/field), /public/config   network first, the cached copy without network
//   the shell's scripts, styles, Leaflet cache first (the cache is of this very version)
//   GET /api/field/day                  network first; the last answer kept per crew account,
//                                       answered without network with "Waterops-Offline"
//   everything else (reports, photos)   not touched: the page's outbox queues what fails
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const PREFIX = "waterops-field-";
const CACHE = `${PREFIX}${VERSION}`;
const DAY = "/api/field/day";
// a network that does not answer in this long is taken as none (a phone with one bar)
const WAIT_MS = 6000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" || url.pathname === "/public/config") {
    event.respondWith(networkFirst(request, url.pathname === "/field" ? "/field" : request.url));
  } else if (url.pathname === DAY) {
    const account = accountOf(request);
    if (!account) return;
    url.searchParams.set("account", account); // one crew's day is not another's
    event.respondWith(networkFirst(request, url.href, { marked: true }));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
});

async function networkFirst(request, key, { marked = false } = {}) {
  const cache = await caches.open(CACHE);
  try {
    const answer = await withTimeout(fetch(request), WAIT_MS);
    if (answer.ok) await cache.put(key, answer.clone());
    return answer;
  } catch (err) {
    const kept = await cache.match(key);
    if (!kept) throw err;
    if (!marked) return kept;
    // the page says "offline" and that the day is as last seen
    const headers = new Headers(kept.headers);
    headers.set("Waterops-Offline", kept.headers.get("Date") || "cached");
    return new Response(await kept.blob(), { status: kept.status, headers });
  }
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer")), ms);
    promise.then((r) => { clearTimeout(timer); resolve(r); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

// the account a bearer token names (its "sub"; the service checks the token, this only keys)
function accountOf(request) {
  const auth = request.headers.get("Authorization") || "";
  const part = auth.replace(/^Bearer\s+/i, "").split(".")[1];
  if (!part) return null;
  try {
    return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))).sub || null;
  } catch {
    return null;
  }
}
