// Tabel: small behaviours shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function showToast(text) {
    var toast = document.getElementById("toast");
    if (!toast) { return; }
    toast.textContent = text;
    toast.hidden = false;
    window.clearTimeout(showToast.timer);
    showToast.timer = window.setTimeout(function () { toast.hidden = true; }, 6000);
  }

  // htmx does not swap error answers: say so in the user's language instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt && event.detail.elt.closest("[data-own-errors]")) { return; }
    showToast(document.body.dataset.errorText || "Error");
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt && event.detail.elt.closest("[data-own-errors]")) { return; }
    showToast(document.body.dataset.errorText || "Error");
  });

  window.Tabel = { showToast: showToast };
})();
