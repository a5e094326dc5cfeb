"""A parent's notice settings (issue 20): the kinds, the e-mail choice, push per browser.
Only parents, only their own; bad input refused with a message and nothing saved."""
from __future__ import annotations

import base64
import os
import re
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import NoticeSetting, PushSubscription, School
from services.notices import prefs, push
from tests.factories import PASSWORD
from tests.fragments import status
from tests.sql import count_queries

PUSH_HOST = "fcm.googleapis.com"


@pytest.fixture(autouse=True)
def own_keys(app, tmp_path):
    """A key pair of the test's own; no mail relay unless the test sets one."""
    app.config.update(VAPID_KEY_FILE=str(tmp_path / "vapid_private.pem"), SMTP_HOST="")


@pytest.fixture
def smtp(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=2525, SMTP_FROM="tabel@school.example")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_subscription(endpoint: str | None = None) -> dict:
    """What PushSubscription.toJSON() gives in a browser: a fresh P-256 key and secret."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": endpoint or f"https://{PUSH_HOST}/fcm/send/{b64(os.urandom(12))}",
            "expirationTime": None, "keys": {"p256dh": b64(key), "auth": b64(os.urandom(16))}}


def setting(user) -> NoticeSetting | None:
    db.session.expire_all()
    return db.session.get(NoticeSetting, user.id)


def subscriptions() -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription))


FORM = {"kinds": ["absence", "low_mark", "period"], "email": "", "email_mode": "off"}


# -- who may ------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["teacher", "ct", "admin", "anna"])
def test_only_parents_have_notice_settings(school, login, username):
    client = login(username)
    assert client.get("/notices/settings").status_code == 403
    assert client.post("/notices/settings", data=FORM).status_code == 403
    assert client.post("/notices/push/subscribe", json=browser_subscription()).status_code == 403
    assert client.post("/notices/push/unsubscribe", json={"endpoint": "x"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(NoticeSetting)) == 0
    assert subscriptions() == 0


def test_signed_out_visitors_are_sent_to_sign_in(school, client):
    assert client.get("/notices/settings").status_code == 302
    assert client.post("/notices/push/subscribe", json=browser_subscription()).status_code == 302
    assert subscriptions() == 0


# -- the page ----------------------------------------------------------------------------------

def test_page_offers_the_schools_kinds_and_no_email_without_a_relay(school, login):
    db.session.get(School, 1).notice_kinds = "absence,mark,period"
    page = login("mum").get("/notices/settings").text
    offered = re.findall(r'name="kinds" type="checkbox" value="(\w+)"', page)
    assert offered == ["absence", "mark", "period"]
    assert 'name="email"' not in page  # no SMTP relay configured: no e-mail offered
    assert "data-key=" in page and 'id="ns-push"' in page


def test_page_offers_email_when_the_school_has_a_relay(school, login, smtp):
    page = login("mum").get("/notices/settings").text
    assert 'name="email"' in page and 'value="digest"' in page
    assert "18:00" in page  # the school's digest hour


def test_page_runs_a_fixed_number_of_queries(school, login):
    client = login("mum")
    with count_queries() as first:
        client.get("/notices/settings")
    client.post("/notices/settings", data=FORM)
    client.post("/notices/push/subscribe", json=browser_subscription())
    client.post("/notices/push/subscribe", json=browser_subscription())
    with count_queries() as second:
        client.get("/notices/settings")
    assert len(second) == len(first)


# -- saving ------------------------------------------------------------------------------------

def test_saved_kinds_are_read_back(school, login):
    client = login("mum")
    response = client.post("/notices/settings", data=FORM)
    assert response.status_code == 303
    assert setting(school.mum).kinds == "absence,low_mark,period"
    assert prefs.wanted([school.mum.id])[school.mum.id] == {"absence", "low_mark", "period"}
    page = client.get("/notices/settings").text
    for kind in ("absence", "low_mark", "period"):
        assert re.search(rf'<input[^>]*checked[^>]*value="{kind}"|<input[^>]*value="{kind}"'
                         rf'[^>]*checked', page), kind
    assert not re.search(r'<input[^>]*checked[^>]*value="mark"', page)


def test_nothing_ticked_means_no_kinds(school, login):
    login("mum").post("/notices/settings", data={"email_mode": "off"})
    assert setting(school.mum).kinds == ""
    assert prefs.wanted([school.mum.id])[school.mum.id] == frozenset()


def test_a_kind_the_school_does_not_send_keeps_the_parents_choice(school, login):
    client = login("mum")
    client.post("/notices/settings", data={"kinds": ["absence", "homework"]})
    db.session.get(School, 1).notice_kinds = "absence,mark"
    client.post("/notices/settings", data={"kinds": ["mark"]})
    assert setting(school.mum).kinds == "mark,homework"  # homework kept for when it returns
    assert prefs.wanted([school.mum.id])[school.mum.id] == {"mark"}


def test_htmx_save_answers_the_form_alone(school, login):
    response = login("mum").post("/notices/settings", data=FORM, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="ns-form"' in response.text
    assert 'role="status"' in response.text


def test_email_choice_is_saved_when_the_school_has_a_relay(school, login, smtp):
    client = login("mum")
    data = {**FORM, "email": "  mum@example.ru ", "email_mode": "digest"}
    assert client.post("/notices/settings", data=data).status_code == 303
    row = setting(school.mum)
    assert (row.email, row.email_mode) == ("mum@example.ru", "digest")
    page = client.get("/notices/settings").text
    assert 'value="mum@example.ru"' in page


def test_htmx_answers_the_email_part_with_its_error(school, login, smtp):
    response = login("mum").post("/notices/settings", headers={"HX-Request": "true"},
                                 data={**FORM, "email": "nope", "email_mode": "each"})
    assert status(response) == 422 and "<html" not in response.text
    assert 'aria-invalid="true"' in response.text and 'name="email"' in response.text
    ok = login("mum").post("/notices/settings", headers={"HX-Request": "true"},
                           data={**FORM, "email": "mum@example.ru", "email_mode": "each"})
    assert ok.status_code == 200 and 'value="mum@example.ru"' in ok.text


def test_email_fields_are_ignored_without_a_relay(school, login):
    login("mum").post("/notices/settings", data={**FORM, "email": "x", "email_mode": "each"})
    row = setting(school.mum)
    assert (row.email, row.email_mode) == ("", "off")


@pytest.mark.parametrize(("email", "mode", "message"), [
    ("not an address", "each", "This is not an e-mail address"),
    ("mum@example", "each", "This is not an e-mail address"),
    ("mum@example.ru\nBcc: all@example.ru", "each", "This is not an e-mail address"),
    ("мама@пример.рф", "digest", "This is not an e-mail address"),
    ("a" * 250 + "@example.ru", "each", "The address is too long"),
    ("", "each", "Write the address"),
    ("mum@example.ru", "weekly", "Choose how e-mail should come"),
])
def test_bad_email_is_refused_and_nothing_saved(school, login, smtp, email, mode, message):
    client = login("mum")
    client.post("/notices/settings", data={**FORM, "email": "old@example.ru",
                                           "email_mode": "each"})
    with force_locale("en"):
        response = client.post("/notices/settings", data={
            "kinds": ["mark"], "email": email, "email_mode": mode})
    assert status(response) == 422
    row = setting(school.mum)
    assert (row.kinds, row.email, row.email_mode) == ("absence,low_mark,period",
                                                      "old@example.ru", "each")


def test_error_messages_are_shown_next_to_the_field(app, school, smtp):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(prefs.SettingsError) as refused:
            prefs.save(school.mum.id, ["mark"], "nope", "each")
        assert refused.value.field == "email"
        assert "not an e-mail address" in refused.value.message
        with pytest.raises(prefs.SettingsError):
            prefs.save(school.mum.id, ["mark", "gossip"])


def test_an_unknown_kind_is_refused(school, login):
    response = login("mum").post("/notices/settings", data={"kinds": ["absence", "gossip"]})
    assert status(response) == 422
    assert setting(school.mum) is None


def test_a_parent_changes_only_their_own_settings(school, login):
    login("mum").post("/notices/settings", data=FORM)
    login("dad2").post("/notices/settings", data={"kinds": ["homework"]})
    assert setting(school.mum).kinds == "absence,low_mark,period"
    assert setting(school.dad2).kinds == "homework"


# -- push subscriptions ------------------------------------------------------------------------

def test_subscribing_stores_the_browser_and_switches_push_on(school, login):
    client = login("mum")
    sub = browser_subscription()
    assert client.post("/notices/push/subscribe", json=sub).status_code == 204
    assert client.post("/notices/push/subscribe", json=sub).status_code == 204  # again: one row
    row = db.session.scalar(select(PushSubscription))
    assert (row.user_id, row.endpoint, row.p256dh, row.auth) == (
        school.mum.id, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"])
    assert subscriptions() == 1 and setting(school.mum).push is True
    assert push.devices(school.mum.id) == 1


def _bad_subscriptions() -> list:
    good = browser_subscription()
    return [
        None, [], "text", {}, {"endpoint": good["endpoint"]},
        {**good, "endpoint": "http://fcm.googleapis.com/fcm/send/x"},  # not https
        {**good, "endpoint": "https://127.0.0.1/steal"},  # not a push service
        {**good, "endpoint": "https://fcm.googleapis.com.evil.example/x"},
        {**good, "endpoint": "https://user:pw@fcm.googleapis.com/x"},
        {**good, "endpoint": "https://fcm.googleapis.com/" + "x" * 1000},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"][:-4], "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": good["keys"]["p256dh"], "auth": "short"}},
        {**good, "keys": {"p256dh": b64(b"\x05" + os.urandom(64)), "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": "не base64", "auth": good["keys"]["auth"]}},
        {**good, "keys": {"p256dh": 12, "auth": None}},
    ]


@pytest.mark.parametrize("body", _bad_subscriptions())
def test_a_bad_subscription_is_refused_and_nothing_stored(school, login, body):
    response = login("mum").post("/notices/push/subscribe", json=body)
    assert response.status_code == 400
    assert subscriptions() == 0
    assert setting(school.mum) is None


def test_a_body_that_is_not_json_is_refused(school, login):
    response = login("mum").post("/notices/push/subscribe", data="{endpoint",
                                 content_type="application/json")
    assert response.status_code == 400 and subscriptions() == 0


def _signed_in(app, username: str):
    """A browser of its own (the login fixture signs the shared client out first)."""
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}) \
        .status_code == 302
    return client


def test_unsubscribing_touches_only_the_parents_own_browser(app, school):
    mine = browser_subscription()
    mum = _signed_in(app, "mum")
    mum.post("/notices/push/subscribe", json=mine)
    dad2 = _signed_in(app, "dad2")
    assert dad2.post("/notices/push/unsubscribe", json={"endpoint": mine["endpoint"]}) \
        .status_code == 204
    assert subscriptions() == 1  # dad2 cannot remove mum's browser
    assert mum.post("/notices/push/unsubscribe", json={"endpoint": mine["endpoint"]}) \
        .status_code == 204
    assert subscriptions() == 0 and setting(school.mum).push is False


def test_signing_out_forgets_this_browser_and_everywhere_forgets_all(app, school):
    """A shared computer stops getting the parent's pushes when the parent signs out there;
    "sign out everywhere" stops them on every browser."""
    phone, laptop, home = (_signed_in(app, "mum") for _ in range(3))
    for browser in (phone, laptop, home):
        assert browser.post("/notices/push/subscribe",
                            json=browser_subscription()).status_code == 204
    laptop.post("/logout")
    assert subscriptions() == 2 and setting(school.mum).push is True
    phone.post("/logout", data={"everywhere": "1"})
    assert subscriptions() == 0 and setting(school.mum).push is False
    # Signing out of a browser that never subscribed forgets nothing and makes no setting.
    staff = _signed_in(app, "ct")
    staff.post("/logout", data={"everywhere": "1"})
    assert db.session.get(NoticeSetting, school.ct.id) is None


def test_a_shared_browser_moves_to_the_parent_signed_in_now(school, login):
    sub = browser_subscription()
    login("mum").post("/notices/push/subscribe", json=sub)
    login("dad2").post("/notices/push/subscribe", json=sub)
    row = db.session.scalar(select(PushSubscription))
    assert row.user_id == school.dad2.id and subscriptions() == 1


def test_subscribe_needs_the_csrf_header(app, school, login):
    client = login("mum")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/notices/push/subscribe", json=browser_subscription()).status_code == 400
    page = client.get("/notices/settings").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post("/notices/push/subscribe", json=browser_subscription(),
                           headers={"X-CSRFToken": token})
    assert response.status_code == 204 and subscriptions() == 1
    saved = client.post("/notices/settings", data={**FORM, "csrf_token": token},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200 and 'name="csrf_token"' in saved.text  # in the fragment


# -- the school's key pair ---------------------------------------------------------------------

def test_the_vapid_key_is_made_once_owner_only_and_kept(app, school):
    with app.test_request_context():
        first = push.public_key()
        path = app.config["VAPID_KEY_FILE"]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert push.public_key() == first
    raw = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point


# -- the school's switches (administration) ----------------------------------------------------

ADMIN = {"name": "Школа", "short_name": "Школа", "no_marks_grades": "1",
         "lock_days_current": "2", "lock_days_control": "7", "lock_days_essay": "14",
         "lock_days_final": "7", "round_up_from": "0,5", "default_locale": "ru",
         "min_marks_for_period": "3", "notice_lessons_before": "3", "timezone": "Asia/Almaty",
         "session_idle_minutes": "60", "backup_warn_days": "14",
         "notice_kinds": "absence,mark", "reply_days": "2", "digest_hour": "18",
         "server_url": ""}


@pytest.mark.parametrize(("typed", "stored"), [
    ("period, absence", "absence,period"), ("", ""), ("mark,mark", "mark")])
def test_school_notice_kinds_are_stored_clean(school, login, typed, stored):
    response = login("admin").post("/admin/settings", data={**ADMIN, "notice_kinds": typed,
                                                            "digest_hour": "7"})
    assert response.status_code == 302
    card = db.session.scalar(select(School))
    assert (card.notice_kinds, card.digest_hour) == (stored, 7)


@pytest.mark.parametrize(("field", "value"), [
    ("notice_kinds", "absence,gossip"), ("notice_kinds", "absence;mark"),
    ("reply_days", "0"), ("reply_days", "11"), ("digest_hour", "24"), ("digest_hour", "-1")])
def test_school_notice_settings_refuse_bad_values(school, login, field, value):
    response = login("admin").post("/admin/settings", data={**ADMIN, field: value})
    assert status(response) == 422
    card = db.session.scalar(select(School))
    assert (card.notice_kinds, card.reply_days, card.digest_hour) == (
        "absence,mark,low_mark,homework,predicted,period", 2, 18)


@pytest.mark.parametrize(("typed", "stored"), [
    ("https://tabel.school.kz/", "https://tabel.school.kz"), ("", ""),
    (" http://192.168.1.5:5000 ", "http://192.168.1.5:5000")])
def test_the_schools_address_for_links_is_stored_clean(school, login, typed, stored):
    response = login("admin").post("/admin/settings", data={**ADMIN, "server_url": typed})
    assert response.status_code == 302
    assert db.session.scalar(select(School.server_url)) == stored


@pytest.mark.parametrize("typed", ["tabel.school.kz", "ftp://x.kz", "https://", "http://[::1",
                                   "https://a b.kz"])
def test_a_school_address_that_is_no_link_is_refused(school, login, typed):
    response = login("admin").post("/admin/settings", data={**ADMIN, "server_url": typed})
    assert status(response) == 422
    assert db.session.scalar(select(School.server_url)) == ""


def test_a_browser_asks_whether_the_server_still_sends_to_it(app, school):
    """The settings page shows push "on" only for a browser the server still knows; known
    again in a new session, it is forgotten at that session's sign-out."""
    first = _signed_in(app, "mum")
    sub = browser_subscription()
    first.post("/notices/push/subscribe", json=sub)
    again = _signed_in(app, "mum")  # the same browser later, after the session ended
    assert again.post("/notices/push/check", json={"endpoint": sub["endpoint"]}).json == {
        "on": True}
    assert _signed_in(app, "dad2").post(  # another parent never learns of mum's browser
        "/notices/push/check", json={"endpoint": sub["endpoint"]}).json == {"on": False}
    again.post("/logout")
    assert subscriptions() == 0
    assert _signed_in(app, "mum").post(
        "/notices/push/check", json={"endpoint": sub["endpoint"]}).json == {"on": False}
    assert _signed_in(app, "ct").post("/notices/push/check", json={"endpoint": "x"}) \
        .status_code == 403
    assert _signed_in(app, "mum").post("/notices/push/check", data="nonsense",
                                       content_type="application/json").status_code == 400
