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

// Fields with a limit (data-max) say as you type how much is left, and when it is too much,
// instead of a browser cutting a paste short without a word (issue 14).
(function () {
  "use strict";
  function count(input) {
    var max = +input.dataset.max, out = document.querySelector(".char-count[data-for='" + input.id + "']");
    if (!out || !max) { return; }
    if (!out.dataset.limit) { out.dataset.limit = out.textContent; }
    var n = input.value.length, over = n > max;
    out.textContent = over
      ? (document.body.dataset.tooLong || "").replace("{n}", n).replace("{max}", max)
      : (document.body.dataset.charsLeft || "").replace("{n}", n).replace("{max}", max);
    out.classList.toggle("over", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
  }
  document.addEventListener("input", function (e) {
    if (e.target.dataset && e.target.dataset.max && !e.target.closest("#jgrid")) { count(e.target); }
  });
  document.addEventListener("htmx:load", function (e) {
    (e.detail.elt.querySelectorAll ? e.detail.elt : document).querySelectorAll("[data-max]").forEach(function (el) {
      if (el.value && el.id) { count(el); }
    });
  });
})();
