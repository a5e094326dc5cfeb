// The header's unread-messages badge (templates/messages/_badge.html) is polled by htmx every
// minute. A phone that is offline (a diary page read from the cache) or a page in a background
// tab does not ask: there is nothing to show it, and a failed request would be an error.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "msg-badge" &&
        (!navigator.onLine || document.hidden)) {
      event.preventDefault();
    }
  });
})();
