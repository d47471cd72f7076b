// The field app's service worker (docs/field-app.md, "Offline first"): the app OPENS without
// network. Served by the service at /field-sw.js (scope /field) with its version and its shell
// filled in (api/routes/web.py): the version is a hash of the shell's files, so a deploy that
// changes any of them is a new worker, which caches the new shell and deletes the old caches.
//
//   the page (/field), /public/config   network first, the cached copy without network
//   the shell's scripts, styles, Leaflet cache first (the cache is of this very version)
//   GET /api/field/day                  network first; the last answer kept per crew account,
//                                       answered without network with "Waterops-Offline"
//   the map's background tiles          cache first (fresh for TILE_FRESH_MS), the tiles the
//     (WATEROPS_MAP_TILES, /public/config)   crew has seen kept in their own bounded cache: the
//                                       TILE_MAX used last (the route map shows offline)
//   everything else (reports, photos)   not touched: the page's outbox queues what fails
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const PREFIX = "waterops-field-";
const CACHE = `${PREFIX}${VERSION}`;
const DAY = "/api/field/day";
// a network that does not answer in this long is taken as none (a phone with one bar)
const WAIT_MS = 6000;
// the tiles: a cache of their own, kept across deploys (a tile does not change with the app)
const TILES = "waterops-tiles";
const TILE_MAX = 400; // about 8 MB of 20 KB tiles: a day's area at a few zooms
const TILE_FRESH_MS = 7 * 24 * 3600_000; // older, the network is asked first

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
  if (request.destination === "image" && !SHELL.includes(url.pathname)) {
    event.respondWith(tileOrPass(request));
    return;
  }
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
    if (key.endsWith("/public/config")) tilePattern = null; // the tile template read again
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

// -- the map's tiles ------------------------------------------------------------------------------
// Which images are tiles: those of the template the service's /public/config names (the worker
// reads it when the page fetches it, or from its cache when it starts again).

let tilePattern = null;
async function pattern() {
  if (tilePattern) return tilePattern;
  const kept = await caches.match("/public/config", { cacheName: CACHE });
  const config = kept ? await kept.json().catch(() => null) : null;
  if (config?.tiles) tilePattern = toPattern(config.tiles);
  return tilePattern;
}

// "https://{s}.tile.example.org/{z}/{x}/{y}{r}.png" -> a RegExp matching its tiles' URLs
function toPattern(template) {
  const fields = { s: "[a-z0-9-]+", z: "\\d+", x: "\\d+", y: "-?\\d+", r: "(?:@2x)?" };
  const parts = template.split(/(\{[a-z]+\})/);
  const body = parts.map((p) => {
    const field = p.match(/^\{([a-z]+)\}$/);
    if (field) return fields[field[1]] ?? "[^/?#]*";
    return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }).join("");
  const origin = template.startsWith("/") ? self.location.origin : ""; // tiles of this service
  return new RegExp(`^${origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${body}(?:[?#].*)?$`);
}

async function tileOrPass(request) {
  const p = await pattern();
  if (!p || !p.test(request.url)) return fetch(request);
  const cache = await caches.open(TILES);
  const kept = await cache.match(request.url);
  const at = Number(kept?.headers.get("Waterops-Cached-At") || 0);
  if (kept && Date.now() - at < TILE_FRESH_MS) {
    remember(cache, request.url, kept.clone()); // used: the newest again
    return kept;
  }
  try {
    // asked with CORS: an answer the worker can read and keep (an opaque one would count
    // megabytes against the phone's quota); the tile server must allow it (docs/field-app.md)
    const answer = await withTimeout(fetch(request.url, { mode: "cors", credentials: "omit" }), WAIT_MS);
    if (answer.ok) {
      const headers = new Headers(answer.headers);
      headers.set("Waterops-Cached-At", String(Date.now()));
      remember(cache, request.url, new Response(await answer.clone().blob(), { status: 200, headers }));
    }
    return answer;
  } catch (err) {
    if (kept) return kept; // no network: the tile as last seen, however old
    try {
      return await fetch(request); // a tile server without CORS: shown, not kept
    } catch {
      throw err;
    }
  }
}

// a tile kept as the newest (a put moves it to the end of the cache's order), then the cache
// trimmed to TILE_MAX, the least recently used first; one at a time (tiles come in bursts)
let tileWrites = Promise.resolve();
function remember(cache, url, response) {
  tileWrites = tileWrites.then(async () => {
    await cache.delete(url);
    await cache.put(url, response);
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - TILE_MAX))) await cache.delete(old);
  }).catch(() => {});
  return tileWrites;
}
