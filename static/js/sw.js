/* Service worker of the field app, served at /sw.js with scope "/".
 * Pages: network first, the last copy from the cache when there is no network (the cadre's
 * households and their visit forms are cached ahead by the worklist page). Static files: cache
 * first. Everything else (API, POSTs) goes to the network; queued visits are uploaded by the
 * pages themselves (static/js/field.js). No external assets. */
"use strict";
var VERSION = "zf-v1";
var PAGES = VERSION + "-pages";
var STATIC = VERSION + "-static";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf(VERSION) !== 0; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isPage(request) {
  return request.mode === "navigate" || (request.headers.get("Accept") || "").indexOf("text/html") >= 0;
}

function cacheable(response) {
  // A redirect (to the login page, say) is not the page that was asked for.
  return response && response.ok && !response.redirected && response.type === "basic";
}

function pageFromNetwork(request) {
  return fetch(request).then(function (response) {
    if (cacheable(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || cache.match(request, { ignoreSearch: true, ignoreVary: true });
      }).then(function (hit) {
        return hit || cache.match("/visits/", { ignoreVary: true });
      }).then(function (hit) {
        return hit || new Response(
          "<!DOCTYPE html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
          "<p>当前没有网络，此页面尚未离线保存。<a href='/visits/'>返回我的走访</a></p>",
          { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
        );
      });
    });
  });
}

function staticFirst(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (cacheable(response)) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) { event.respondWith(staticFirst(request)); return; }
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/accounts/") === 0) return;
  if (isPage(request)) event.respondWith(pageFromNetwork(request));
});

// The worklist asks for its households' pages and forms to be kept for offline use.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type === "precache") {
    var done = Promise.all((data.urls || []).map(function (u) {
      var isStatic = u.indexOf("/static/") === 0;
      return caches.open(isStatic ? STATIC : PAGES).then(function (cache) {
        return fetch(u, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
          if (cacheable(response)) return cache.put(u, response);
        });
      }).catch(function () {});
    }));
    done.then(function () { if (port) port.postMessage({ type: "precached", count: (data.urls || []).length }); });
  } else if (data.type === "forget") {
    caches.delete(PAGES).then(function () { if (port) port.postMessage({ type: "forgotten" }); });
  }
});
