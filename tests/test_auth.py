"""Sign-in, sign-out, own password, CSRF, the language switch and error pages."""
from __future__ import annotations

import pytest

from app import create_app
from extensions import db
from models import User
from tests.factories import PASSWORD
from tests.fragments import status

HOMES = {"admin": "/office", "director": "/office", "deputy": "/office",
         "secretary": "/office", "teacher": "/teacher", "ct": "/teacher"}


@pytest.mark.parametrize("username,home", HOMES.items())
def test_each_role_lands_on_its_home(school, login, username, home):
    client = login(username)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message(school, client):
    wrong = client.post("/login", data={"username": "teacher", "password": "nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope"})
    assert status(wrong) == status(unknown) == 401
    text = "Неверное имя пользователя или пароль"
    assert text in wrong.get_data(as_text=True)
    assert text in unknown.get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"username": "", "password": ""},
    {"username": "x" * 61, "password": "y"},
    {"username": "teacher", "password": "p" * 201},
])
def test_bad_login_input_is_a_form_error_not_a_500(school, client, data):
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert 'class="field-error"' in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(school, client):
    response = client.get("/teacher")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/teacher")


def test_htmx_request_of_an_expired_session_redirects_the_page(school, client):
    response = client.get("/teacher", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/login"


def test_next_parameter_cannot_leave_the_site(school, client):
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "teacher", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_sign_out(school, login):
    client = login("teacher")
    response = client.post("/logout")
    assert response.status_code == 302
    assert "cache" in response.headers["Clear-Site-Data"]
    assert client.get("/teacher").status_code == 302


def test_remember_me_is_off_by_default(school, client):
    response = client.post("/login", data={"username": "teacher", "password": PASSWORD})
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


def test_change_own_password(school, login):
    client = login("teacher")
    bad = client.post("/account/password", data={"current": "wrong", "new": "new-password-1",
                                                  "repeat": "new-password-1"})
    assert "Текущий пароль указан неверно" in bad.get_data(as_text=True)
    short = client.post("/account/password", data={"current": PASSWORD, "new": "short",
                                                    "repeat": "short"})
    assert short.status_code == 200 and 'class="field-error"' in short.get_data(as_text=True)
    ok = client.post("/account/password", data={"current": PASSWORD, "new": "new-password-1",
                                                 "repeat": "new-password-1"})
    assert ok.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "teacher"))
    assert user.check_password("new-password-1")


def test_language_switch_is_saved_on_the_account(school, login):
    client = login("teacher")
    page = client.get("/teacher").get_data(as_text=True)
    assert "Мой день" in page
    client.post("/language/kk", data={"next": "/teacher"})
    assert db.session.scalar(db.select(User.locale).where(User.username == "teacher")) == "kk"
    assert "Менің күнім" in client.get("/teacher").get_data(as_text=True)


def test_language_switch_before_sign_in(school, client):
    client.post("/language/kk", data={"next": "/login"})
    assert "Журналға кіру" in client.get("/login").get_data(as_text=True)
    assert client.post("/language/xx").status_code == 302  # ignored, not an error


def test_friendly_404_in_the_users_language(school, login):
    client = login("teacher")
    ru = client.get("/no-such-page")
    assert ru.status_code == 404 and "Страница не найдена" in ru.get_data(as_text=True)
    client.post("/language/kk")
    assert "Бет табылмады" in client.get("/no-such-page").get_data(as_text=True)


def test_security_headers(school, login):
    response = login("teacher").get("/teacher")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "private, no-store"


def test_csrf_is_required_when_enabled(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.sqlite3'}"})
    with app.app_context():
        db.create_all()
        from tests.conftest import TODAY
        from tests.factories import tiny_school
        tiny_school(TODAY)
    client = app.test_client()
    response = client.post("/login", data={"username": "teacher", "password": PASSWORD})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    # With the token from the form, sign-in works.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post("/login", data={"username": "teacher", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302
    # htmx sends the token in a header set once on <body>.
    home = client.get("/teacher").get_data(as_text=True)
    assert '"X-CSRFToken"' in home
    header_token = home.split('"X-CSRFToken": "')[1].split('"')[0]
    no_token = client.post("/language/kk")
    assert no_token.status_code == 400
    assert client.post("/language/kk", headers={"X-CSRFToken": header_token}).status_code == 302
