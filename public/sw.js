// yinling service worker. The server fills in the build id, so every build
// gets its own cache of the app shell and the page can offer the update.
//
// - Field pages (/field/*) are network-first; with no network, any field URL
//   is answered with the cached field shell (it is route-independent: the
//   field app draws the route itself once its bundle runs).
// - The field app's assets are precached per build and served from the cache
//   when the network fails; online they are revalidated so HTML and wasm
//   match. They are its own bundle (/envoy/pkg: its JS, wasm, the chunk of
//   every page split out of it and the loader script), which the server lists
//   here, so every field page opens offline. The site's bundle (residents',
//   staff and county pages, which need the network anyway) is not
//   downloaded onto an envoy's phone.
// - Nothing under /api/ is ever cached: those answers belong to a signed-in user.
// - A new version waits until the user taps "有新版本，点此更新".

const VERSION = "__YINLING_BUILD_ID__";
const CACHE = "yinling-shell-" + VERSION;
const SHELL_URL = "/field";
const ASSETS = [
  "/pkg/yinling.css",
  "/pwa.js",
  "/manifest.webmanifest",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-192.png",
  "/icons/icon-maskable-512.png",
  ...[/*__YINLING_FIELD_ASSETS__*/],
];
const ASSET_TIMEOUT_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS.map((u) => new Request(u, { cache: "reload" })));
      const shell = await fetch(SHELL_URL, { cache: "reload", credentials: "same-origin" });
      if (!shell.ok) throw new Error("field shell answered " + shell.status);
      await cache.put(SHELL_URL, shell);
      // First install takes over at once; an update waits for the user.
      if (!self.registration.active) await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("yinling-shell-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data && event.data.type === "VERSION" && event.ports[0]) event.ports[0].postMessage(VERSION);
});

function isField(path) {
  return path === "/field" || path.startsWith("/field/");
}

// Background Sync: the browser wakes us when the network is back; the open
// field app does the actual sync (its data and code live in the page).
self.addEventListener("sync", (event) => {
  if (event.tag !== "yl-sync") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      clients.forEach((c) => c.postMessage({ type: "SYNC" }));
    })
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/sw.js") return;
  if (req.mode === "navigate") {
    if (isField(url.pathname)) event.respondWith(fieldNavigation(req));
    return;
  }
  if (ASSETS.includes(url.pathname)) event.respondWith(asset(req, url.pathname));
});

async function fieldNavigation(req) {
  const cache = await caches.open(CACHE);
  try {
    const resp = await fetch(req);
    // Every field URL renders the same shell: keep the freshest copy.
    if (resp.ok && (resp.headers.get("content-type") || "").startsWith("text/html")) {
      await cache.put(SHELL_URL, resp.clone());
    }
    return resp;
  } catch (_) {
    const cached = await cache.match(SHELL_URL);
    if (cached) return cached;
    return new Response(
      '<!doctype html><meta charset="utf-8"><title>离线</title><p style="font-size:22px">网络未连接，请联网后再打开。</p>',
      { status: 503, headers: { "content-type": "text/html; charset=utf-8" } }
    );
  }
}

async function asset(req, path) {
  const cache = await caches.open(CACHE);
  if (self.navigator && self.navigator.onLine === false) {
    const hit = await cache.match(path);
    if (hit) return hit;
  }
  try {
    const resp = await fetchWithTimeout(req, ASSET_TIMEOUT_MS);
    if (resp.ok) await cache.put(path, resp.clone());
    return resp;
  } catch (_) {
    const hit = await cache.match(path);
    if (hit) return hit;
    throw _;
  }
}

function fetchWithTimeout(req, ms) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), ms);
  return fetch(req, { signal: ctrl.signal }).finally(() => clearTimeout(timer));
}
