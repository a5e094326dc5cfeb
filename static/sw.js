// Tabel's service worker: static files cache-first; the last diary week opened kept for offline.
// Served from /sw.js (scope: the whole site). Forgets everything at sign-out.
"use strict";

var STATIC_CACHE = "tabel-static-v1";
var WEEK_CACHE = "tabel-week-v1";
var WEEK_PATH = /^\/diary\/\d+\/week(\/[0-9-]+)?$/;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k !== STATIC_CACHE && k !== WEEK_CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget") {
    event.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }));
  }
});

function isStatic(url) {
  return url.origin === self.location.origin &&
    (url.pathname.indexOf("/a/") === 0 || url.pathname.indexOf("/static/") === 0);
}

// Versioned files never change under one name: the cache answers first.
function staticFirst(request) {
  return caches.open(STATIC_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

// A diary week: the network first; keep only the last one opened.
function rememberWeek(request, response) {
  return caches.open(WEEK_CACHE).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return cache.delete(k); }));
    }).then(function () { return cache.put(request, response); });
  });
}

// Mark the cached page so diary.js shows the "offline, as of" banner.
function fromCache(response) {
  return response.text().then(function (html) {
    return new Response(html.replace('data-served="network"', 'data-served="cache"'), {
      status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function offlineWeek(request) {
  return caches.open(WEEK_CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || cache.keys().then(function (keys) {
        return keys.length ? cache.match(keys[0], { ignoreVary: true }) : null;
      });
    });
  }).then(function (hit) {
    return hit ? fromCache(hit) : Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (isStatic(url)) {
    event.respondWith(staticFirst(request));
    return;
  }
  if (request.mode !== "navigate") { return; }
  event.respondWith(fetch(request).then(function (response) {
    var landed = new URL(response.url || request.url);
    if (response.ok && WEEK_PATH.test(landed.pathname)) {
      event.waitUntil(rememberWeek(new Request(landed.href), response.clone()));
    }
    return response;
  }, function () {
    return offlineWeek(request);
  }));
});

// Web Push (issue 20): the payload says only that there is something new (no names, no
// marks: it passes through the browser maker's service); the app shows what after sign-in.
var INBOX = "/notices/";

function ownPath(url) {
  return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : INBOX;
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Tabel", {
    body: data.body || "", icon: "/static/icons/icon-192.png", tag: "tabel-notices",
    renotify: true, data: { url: ownPath(data.url) }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(ownPath(event.notification.data && event.notification.data.url),
                       self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow(target);
    }));
});
