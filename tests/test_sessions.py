"""Sessions a stranger cannot reuse (issue 19): sign-out, a password change and disabling
end them at once, copies of the cookie included; idle sessions end; a new CSRF token and a
new remember-me cookie at every sign-in; Secure cookies and HSTS over https; a request id,
never a stack trace, on the error page; owner-only files in instance/."""
from __future__ import annotations

import logging
import stat
import time

import pytest
from flask import Flask

from app import create_app
from blueprints.server import lock_instance
from extensions import db
from models import School, User, UserSession
from services import settings_cache
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("school")


def _sign_in(client, username: str, remember: bool = False):
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def _signed_in(client) -> bool:
    response = client.get("/account/password")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _twin(app: Flask, client, names=("session", "remember_token")):
    """A second browser holding copies of this one's cookies."""
    other = app.test_client()
    for name in names:
        value = _cookie(client, name)
        if value:
            other.set_cookie(name, value)
    return other


def test_a_cookie_copied_before_sign_out_is_useless_after_it(app, client):
    _sign_in(client, "teacher")
    thief = _twin(app, client, ("session",))
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(thief)
    assert thief.get("/").headers["Location"].startswith("/login")
    assert db.session.scalar(db.select(UserSession.ended_at)) is not None


def test_remember_me_is_new_at_every_sign_in_and_ends_with_sign_out(app, client):
    _sign_in(client, "teacher", remember=True)
    first = _cookie(client, "remember_token")
    assert first
    thief = _twin(app, client, ("remember_token",))  # no session cookie: the token alone
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(thief)
    _sign_in(client, "teacher", remember=True)
    assert _cookie(client, "remember_token") not in (None, first)


def test_a_password_change_ends_every_other_session(app, client):
    _sign_in(client, "teacher")
    other = app.test_client()
    _sign_in(other, "teacher")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "Another-long-pass-77", "repeat": "Another-long-pass-77"})
    assert response.status_code == 302
    assert _signed_in(client)  # the browser that changed it carries on
    assert not _signed_in(other)


def test_disabling_an_account_ends_its_sessions_at_once(app, client, school):
    teacher = app.test_client()
    _sign_in(teacher, "teacher")
    assert _signed_in(teacher)
    user = db.session.scalar(db.select(User).filter_by(username="teacher"))
    user.active = False
    user.end_sessions()
    db.session.commit()
    assert not _signed_in(teacher)


def test_an_idle_session_ends_and_a_used_one_does_not(app, client):
    _sign_in(client, "teacher")
    db.session.execute(db.update(School).values(session_idle_minutes=5))
    db.session.commit()
    settings_cache.forget()
    with client.session_transaction() as cookie:
        cookie["seen"] = int(time.time()) - 4 * 60
    assert _signed_in(client)  # 4 minutes idle: still in, and the mark moves on
    with client.session_transaction() as cookie:
        assert cookie["seen"] >= int(time.time()) - 5
        cookie["seen"] = int(time.time()) - 6 * 60
    assert not _signed_in(client)


def test_a_remembered_sign_in_outlives_the_idle_time_but_not_a_month(app, client):
    _sign_in(client, "teacher", remember=True)
    with client.session_transaction() as cookie:
        cookie["seen"] = int(time.time()) - 3 * 3600
    assert _signed_in(client)
    row = db.session.scalar(db.select(UserSession))
    row.created_at = row.created_at.replace(year=row.created_at.year - 1)
    db.session.commit()
    client.delete_cookie("session")
    assert not _signed_in(client)


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(client):
    client.get("/login")
    with client.session_transaction() as cookie:
        cookie["csrf_token"] = "planted-by-a-stranger"
        cookie["locale"] = "kk"
    _sign_in(client, "teacher")
    with client.session_transaction() as cookie:
        assert cookie.get("csrf_token") != "planted-by-a-stranger"
        assert cookie.get("locale") == "kk"


def test_cookies_are_secure_and_hsts_is_sent_behind_https(tmp_path, monkeypatch):
    monkeypatch.setenv("TABEL_HTTPS", "1")
    monkeypatch.setenv("TABEL_PROXIES", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        db.create_all()
    client = app.test_client()
    plain = "http://localhost"  # the proxy's own hop; the visitor's scheme is in the header
    response = client.get("/login", base_url=plain, headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/login", base_url=plain).headers


def test_an_error_shows_a_request_id_and_nothing_of_the_inside(app, client):
    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM /srv/tabel/instance")
    app.testing = False  # as in production: the error page, not the exception
    app.config["PROPAGATE_EXCEPTIONS"] = False
    logged: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    app.logger.addHandler(handler)
    app.logger.disabled = False  # an Alembic run earlier in the process may have disabled it
    _sign_in(client, "teacher")
    response = client.get("/_test/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert request_id in body
    assert "Traceback" not in body and "SELECT" not in body and "/srv/" not in body
    app.logger.removeHandler(handler)
    assert any(request_id in line and "user " in line for line in logged), logged


def test_instance_files_become_owner_only(tmp_path):
    (tmp_path / "uploads").mkdir()
    for path in (tmp_path / "tabel.sqlite3", tmp_path / "uploads" / "scan.pdf"):
        path.write_text("x")
        path.chmod(0o644)
    tmp_path.chmod(0o755)
    lock_instance(tmp_path)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "tabel.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "uploads" / "scan.pdf").stat().st_mode) == 0o600
