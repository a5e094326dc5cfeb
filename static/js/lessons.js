// Lesson panel and absence week: small behaviours; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Picking a plan topic copies its text into the topic field ("12. Fractions" -> "Fractions").
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-plan-select]")) { return; }
    var option = select.options[select.selectedIndex];
    var form = select.form;
    var topic = form && form.querySelector("[name=topic]");
    if (!topic || !option || !option.value) { return; }
    topic.value = option.textContent.replace(/^\s*\d+\.\s*/, "");
  });

  // The week page: say "Saved." to screen readers after a reason is stored.
  document.body.addEventListener("reasonSaved", function () {
    var status = document.getElementById("week-status");
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = status.dataset.savedText || ""; }, 50);
  });
})();
