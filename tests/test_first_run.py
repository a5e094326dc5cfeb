"""A real school starts empty (issue 15): the first-run page and `flask school create` make the
school card and its first administrator with a typed password, and nothing else; the demo
school says on every page that it is generated."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AcademicYear, Person, Pupil, School, SchoolClass, User
from tests.fragments import status

FORM = {"name": "Средняя школа № 7 имени Абая", "short_name": "СШ № 7",
        "timezone": "Asia/Almaty", "locale": "kk", "last_name": "Жақсыбекова",
        "first_name": "Әсел", "patronymic": "Маратқызы", "sex": "f",
        "username": "admin", "password": "Жаңа-мектеп-2026", "repeat": "Жаңа-мектеп-2026"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_empty_journal_opens_on_the_first_run_page(client):
    assert client.get("/login").headers["Location"].endswith("/first-run")
    assert client.get("/first-run").status_code == 200


@pytest.mark.parametrize(("field", "value"), [
    ("password", "12345678"), ("password", "short"), ("timezone", "Mars/Olympus"),
    ("username", "админ"), ("repeat", "something else")])
def test_a_refused_first_run_writes_nothing(client, field, value):
    answer = client.post("/first-run", data={**FORM, field: value})
    assert status(answer) == 422 and 'class="field-error"' in answer.text
    assert count(School) == count(User) == count(Person) == 0


def test_the_first_run_makes_the_school_and_its_administrator_only(client):
    answer = client.post("/first-run", data=FORM)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/")
    school = db.session.scalar(select(School))
    assert (school.name, school.timezone, school.default_locale, school.is_demo) == (
        FORM["name"], "Asia/Almaty", "kk", False)
    assert count(User) == 1 and count(Pupil) == count(SchoolClass) == 0
    assert count(AcademicYear) == 1  # this year, so the classes can be added next
    admin = db.session.scalar(select(User))
    assert admin.role_names == {"admin"} and not admin.must_change_password
    assert client.get("/admin/").status_code == 200  # signed in already
    assert "demo-banner" not in client.get("/admin/").text
    # the page closes for good once there is a school
    assert client.get("/first-run").status_code == 404
    assert client.post("/first-run", data={**FORM, "username": "second"}).status_code == 404
    assert count(User) == 1


def test_the_command_line_makes_the_same_start(app):
    runner = app.test_cli_runner()
    args = ["school", "create", "--name", FORM["name"], "--short-name", FORM["short_name"],
            "--timezone", "Asia/Almaty", "--language", "ru", "--last-name", "Иванова",
            "--first-name", "Мария", "--patronymic", "", "--sex", "f", "--username", "director",
            "--password", "Школьный-журнал-7"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert count(School) == 1 and count(User) == 1 and count(Pupil) == 0
    again = runner.invoke(args=[*args[:-2], "--password", "Другой-пароль-77"])
    assert again.exit_code != 0 and count(School) == count(User) == 1


def test_the_command_line_refuses_a_common_password(app):
    result = app.test_cli_runner().invoke(args=[
        "school", "create", "--name", "Школа", "--short-name", "Школа", "--timezone",
        "Asia/Almaty", "--language", "ru", "--last-name", "Иванова", "--first-name", "Мария",
        "--patronymic", "", "--sex", "f", "--username", "admin", "--password", "password1"])
    assert result.exit_code != 0 and count(School) == count(User) == 0


@pytest.mark.parametrize("demo", [True, False])
def test_the_demo_school_says_so_on_every_page(school, login, demo):
    school.builder.school.is_demo = demo
    db.session.commit()
    for user, url in (("admin", "/admin/"), ("mum", "/"), ("teacher", "/teacher")):
        page = login(user).get(url, follow_redirects=True)
        assert page.status_code == 200
        assert ("demo-banner" in page.text) is demo, (user, url)
    login_page = login("admin").post("/logout", follow_redirects=True)
    assert ("demo-banner" in login_page.text) is demo


def test_the_demo_password_works_only_in_the_demo_school(school, client):
    from services.accounts.passwords import DEMO_PASSWORD, check_new_password
    school.builder.school.is_demo = True
    check_new_password(DEMO_PASSWORD, school.builder.school, "teacher")
    school.builder.school.is_demo = False
    with pytest.raises(ValueError):
        check_new_password(DEMO_PASSWORD, school.builder.school, "teacher")
