// The diary: registers the service worker, shows the offline banner, forgets caches at sign-out.
(function () {
  "use strict";
  var script = document.currentScript;

  function formatTime(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) { return iso; }
    try {
      return when.toLocaleString(document.documentElement.lang || undefined,
        { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return when.toLocaleString();
    }
  }

  // The service worker marks a page it served from its cache (data-served="cache").
  function updateBanner() {
    var diary = document.querySelector("[data-diary]");
    var banner = document.getElementById("offline-banner");
    if (!diary || !banner) { return; }
    var offline = diary.dataset.served === "cache" || navigator.onLine === false;
    if (offline) {
      banner.textContent = banner.dataset.text.replace("{time}", formatTime(diary.dataset.renderedAt));
    }
    banner.hidden = !offline;
  }

  function forgetEverything() {
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return caches.delete(key); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget" });
    }
    return Promise.all(jobs);
  }

  // Sign-out: drop the cached diary before the form goes (the server also sends Clear-Site-Data).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.action || !/\/logout$/.test(new URL(form.action, location.href).pathname)) { return; }
    if (form.dataset.forgotten) { return; }
    event.preventDefault();
    form.dataset.forgotten = "1";
    var done = function () { form.submit(); };
    forgetEverything().then(done, done);
    window.setTimeout(done, 1500);  // never keep a parent from signing out
  });

  // After htmx moves to another week, put the reader at the week's heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "week") {
      var heading = document.getElementById("week-title");
      if (heading) { heading.focus({ preventScroll: false }); }
    }
  });

  window.addEventListener("online", updateBanner);
  window.addEventListener("offline", updateBanner);
  updateBanner();

  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
  }
})();
