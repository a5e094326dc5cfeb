// Push notifications on this device (issue 20), on the notice settings page. The browser
// asks for permission only when the parent presses the button; the subscription goes to the
// server with the CSRF header htmx uses. Messages come from the section's data- attributes
// (in the parent's language).
(function () {
  "use strict";
  var box = document.getElementById("ns-push");
  if (!box) { return; }
  var status = box.querySelector("[data-push-status]");
  var onButton = box.querySelector("[data-push-on]");
  var offButton = box.querySelector("[data-push-off]");

  function say(key) { status.textContent = box.dataset[key] || ""; }

  function show(subscribed) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
    });
  }

  // The server's VAPID public key (base64url) as PushManager wants it.
  function keyBytes(text) {
    var b64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function registration() {
    return navigator.serviceWorker.register(box.dataset.sw, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function turnOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return; }
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key)
        });
      }).then(function (subscription) {
        return post(box.dataset.subscribe, subscription.toJSON()).then(function () {
          show(true);
          say("on");
        }, function (error) {
          return subscription.unsubscribe().then(function () { throw error; });
        });
      });
    });
  }

  function turnOff() {
    return registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) { return null; }
      return post(box.dataset.unsubscribe, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      show(false);
      say("off");
    });
  }

  function pressed(button, action, first) {
    button.addEventListener("click", function () {
      button.disabled = true;
      if (first) { say(first); }
      action().catch(function () { say("failed"); }).then(function () { button.disabled = false; });
    });
  }

  if (!supported()) {
    say("unsupported");
    return;
  }
  pressed(onButton, turnOn, "asking");
  pressed(offButton, turnOff, null);
  // The browser may keep a subscription the server forgot (the parent signed out here):
  // it counts as on only when the server still sends to it.
  function known(subscription) {
    if (!subscription) { return false; }
    return fetch(box.dataset.check, {
      method: "POST", credentials: "same-origin",
      body: JSON.stringify({ endpoint: subscription.endpoint }),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) { return response.ok ? response.json() : { on: false }; })
      .then(function (answer) { return Boolean(answer.on); });
  }

  registration().then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(known).then(function (on) {
    show(on);
    say(on ? "on" : (Notification.permission === "denied" ? "denied" : "off"));
  }).catch(function () {
    show(false);
    say("off");
  });
})();
