"""A parent's notice settings in a browser (issue 20): switch kinds off and on, choose the
daily e-mail digest, save, reload and read back; press the push button, which asks for
permission and says why push cannot be had here (headless Chromium has no push service).
On a desktop in Russian and on a 375 px touch phone in Kazakh, with axe, no console error."""
from __future__ import annotations

import json

import pytest

from services.notices import push
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures()


@pytest.fixture
def settings_app(browser_app, tmp_path):
    """The school has a mail relay (nothing is sent here: the worker does not run)."""
    browser_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=2525,
                              SMTP_FROM="tabel@school.example",
                              VAPID_KEY_FILE=str(tmp_path / "vapid.pem"))
    return browser_app


def _checked(page) -> dict[str, bool]:
    return {box.get_attribute("value"): box.is_checked()
            for box in page.locator("input[name=kinds]").all()}


def _save(page, press) -> None:
    with page.expect_response(lambda r: r.url.endswith("/notices/settings")
                              and r.request.method == "POST"):
        press("#ns-form button[type=submit]")
    page.wait_for_selector("#ns-form .flash-success")


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_parent_chooses_kinds_and_digest_and_reads_them_back(page, live_server, settings_app,
                                                             sign_in, shot, axe_check, variant):
    lang, viewport, _touch = variant
    press = sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/settings")
    assert _checked(page) == {"absence": True, "mark": True, "low_mark": True,
                              "homework": False, "predicted": True, "period": True}
    _fits(page, viewport)
    axe_check(page)
    press("input[name=kinds][value=mark]")
    press("input[name=kinds][value=absence]")
    press("input[name=kinds][value=homework]")
    page.fill("input[name=email]", "mum@example.ru")
    press("input[name=email_mode][value=digest]")
    _save(page, press)
    shot(page, f"notice-settings-saved-{lang}")
    page.reload()
    assert _checked(page) == {"absence": False, "mark": False, "low_mark": True,
                              "homework": True, "predicted": True, "period": True}
    assert page.input_value("input[name=email]") == "mum@example.ru"
    assert page.is_checked("input[name=email_mode][value=digest]")
    press("input[name=kinds][value=absence]")
    _save(page, press)
    page.reload()
    assert _checked(page)["absence"] is True
    assert page.is_checked("input[name=email_mode][value=digest]")


def test_a_bad_address_is_refused_with_a_message(page, live_server, settings_app, sign_in,
                                                 axe_check, variant):
    press = sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/settings")
    page.fill("input[name=email]", "mum at example")
    press("input[name=email_mode][value=each]")
    press("#ns-form button[type=submit]")
    page.wait_for_selector("#ns-form .field-error")
    assert page.get_attribute("input[name=email]", "aria-invalid") == "true"
    axe_check(page)
    page.reload()
    assert page.input_value("input[name=email]") == ""  # nothing saved
    assert page.is_checked("input[name=email_mode][value=off]")


# Chromium's own words when a test's (incognito) context asks for a push subscription; a
# parent's browser has a push service and says nothing of the kind.
@pytest.mark.console_errors("does not support the Push API in incognito mode")
def test_push_button_says_why_push_is_not_on(page, live_server, settings_app, sign_in, shot,
                                             axe_check, variant):
    lang, viewport, _touch = variant
    press = sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/settings")
    section = page.locator("#ns-push")
    status = page.locator("[data-push-status]")
    page.wait_for_function(
        "() => document.querySelector('[data-push-status]').textContent !== ''")
    assert status.inner_text() == section.get_attribute("data-off")
    # Not allowed (headless Chromium refuses the prompt): the page says where to allow it.
    page.context.clear_permissions()
    press("[data-push-on]")
    page.wait_for_function("(t) => document.querySelector('[data-push-status]').textContent"
                           " === t", arg=section.get_attribute("data-denied"))
    shot(page, f"notice-settings-push-denied-{lang}")
    # Allowed, but this browser has no push service: it says so, nothing is stored.
    page.context.grant_permissions(["notifications"], origin=live_server)
    press("[data-push-on]")
    page.wait_for_function("(t) => document.querySelector('[data-push-status]').textContent"
                           " === t", arg=section.get_attribute("data-failed"))
    assert page.is_enabled("[data-push-on]")
    _fits(page, viewport)
    axe_check(page)
    shot(page, f"notice-settings-push-failed-{lang}")
    with settings_app.app_context():
        assert push.devices(settings_app.config["TINY_SCHOOL_IDS"]["mum"]) == 0


def test_a_browser_without_push_is_told_so(page, live_server, settings_app, sign_in, variant):
    """An iPhone's Safari outside the home screen has no PushManager: no button, a reason."""
    page.add_init_script("delete window.PushManager;")
    sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/settings")
    section = page.locator("#ns-push")
    page.wait_for_function(
        "() => document.querySelector('[data-push-status]').textContent !== ''")
    assert page.locator("[data-push-status]").inner_text() == \
        section.get_attribute("data-unsupported")
    assert page.locator("[data-push-on]").is_hidden()
    assert page.locator("[data-push-off]").is_hidden()


def test_the_service_worker_shows_a_push_and_keeps_to_the_inbox(page, live_server,
                                                                 settings_app, sign_in, variant):
    """A push delivered to the service worker (as the push service would, through the
    DevTools protocol) becomes one notification leading to /notices/, whatever the payload
    says about another address."""
    page.context.grant_permissions(["notifications"], origin=live_server)
    sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/settings")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # A page opened before its worker was active may stay uncontrolled until the worker's
    # claim reaches it: a reload is controlled at once.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp = page.context.new_cdp_session(page)
    found: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: found.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):  # the registrations come as events after enable
        if any(not r["isDeleted"] for r in found):
            break
        page.wait_for_timeout(50)
    registration = next(r for r in found if not r["isDeleted"])["registrationId"]
    for payload in ({"title": "Табель", "body": "Күнделікте жаңалық бар", "url": "/notices/"},
                    {"title": "Табель", "body": "Күнделікте жаңалық бар",
                     "url": "//evil.example/x"}):
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": f"{live_server}/", "registrationId": registration,
            "data": json.dumps(payload, ensure_ascii=False)})
    page.wait_for_function("() => navigator.serviceWorker.ready"
                           ".then(r => r.getNotifications()).then(ns => ns.length > 0)")
    page.wait_for_timeout(300)  # the second push, had it made a second notification
    shown = page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications())"
                          ".then(ns => ns.map(n => [n.title, n.body, n.data.url]))")
    assert shown == [["Табель", "Күнделікте жаңалық бар", "/notices/"]]  # one, collapsed
