"""Time is the school's: "today" is the date in the school's time zone, whatever the server's
clock says (issue 14, defect 5)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from extensions import db
from models import Mark, School
from services import clock

UTC = dt.UTC


@pytest.fixture
def real_clock(monkeypatch, app):
    """Undo the tests' fixed date: today comes from clock.utcnow(), which we move."""
    monkeypatch.setattr("services.clock.today", lambda: clock.now().date())
    clock.forget_zone()
    yield
    clock.forget_zone()


def at(monkeypatch, instant: dt.datetime) -> None:
    monkeypatch.setattr("services.clock.utcnow", lambda: instant)


@pytest.mark.parametrize(("utc", "almaty_day"), [
    (dt.datetime(2026, 11, 22, 18, 59, tzinfo=UTC), dt.date(2026, 11, 22)),  # 23:59 there
    (dt.datetime(2026, 11, 22, 19, 0, tzinfo=UTC), dt.date(2026, 11, 23)),   # midnight there
    (dt.datetime(2026, 11, 22, 23, 59, tzinfo=UTC), dt.date(2026, 11, 23)),  # 04:59 there
])
def test_today_is_the_date_at_the_school(app, school, real_clock, monkeypatch, utc, almaty_day):
    at(monkeypatch, utc)
    assert clock.zone_name() == "Asia/Almaty"
    assert clock.today() == almaty_day


def test_the_zone_is_a_school_setting(app, school, real_clock, monkeypatch):
    at(monkeypatch, dt.datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    assert clock.today() == dt.date(2026, 11, 23)  # 01:00 in Almaty
    db.session.scalar(select(School)).timezone = "Europe/Moscow"
    db.session.commit()
    clock.forget_zone()
    assert clock.today() == dt.date(2026, 11, 22)  # 23:00 in Moscow


def test_without_a_school_the_configured_zone_counts(app, real_clock, monkeypatch):
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Almaty"
    at(monkeypatch, dt.datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    assert clock.today() == dt.date(2026, 11, 23)


def test_a_lesson_of_today_takes_marks_when_the_servers_date_is_still_yesterday(
        app, school, real_clock, monkeypatch, login):
    """The server is in UTC: at 00:30 in Almaty its date is yesterday's, yet today's lesson
    is open and nothing says "not yet taken place"."""
    lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 23))
    db.session.commit()
    at(monkeypatch, dt.datetime(2026, 11, 22, 19, 30, tzinfo=UTC))
    client = login("teacher")
    response = client.post(f"/journal/lessons/{lesson.id}/cell", headers={"HX-Request": "1"},
                           data={"pupil": school.anna.id, "value": "5", "old": ""})
    assert response.status_code == 200 and "X-Journal-Refused" not in response.headers
    assert db.session.scalar(select(Mark.value)) == 5


def test_edit_windows_close_at_the_schools_midnight(app, school, real_clock, monkeypatch, login):
    # a Thursday: two school days later (Friday, Monday) it is open until the 23rd
    lesson = school.builder.lesson(school.maths5, dt.date(2026, 11, 19))
    db.session.commit()
    client = login("teacher")
    # 23 Nov, 23:30 in Almaty, 18:30 UTC: the last day of the window
    at(monkeypatch, dt.datetime(2026, 11, 23, 18, 30, tzinfo=UTC))
    ok = client.post(f"/journal/lessons/{lesson.id}/cell", headers={"HX-Request": "1"},
                     data={"pupil": school.anna.id, "value": "5", "old": ""})
    assert "X-Journal-Refused" not in ok.headers
    # 24 Nov, 00:30 in Almaty, still the 23rd in UTC: closed at the school's midnight
    at(monkeypatch, dt.datetime(2026, 11, 23, 19, 30, tzinfo=UTC))
    late = client.post(f"/journal/lessons/{lesson.id}/cell", headers={"HX-Request": "1"},
                       data={"pupil": school.anna.id, "value": "4", "old": "5"})
    assert late.headers.get("X-Journal-Refused") == "403"
    assert db.session.scalar(select(Mark.value)) == 5


def test_zone_names_are_checked():
    assert clock.is_zone("Asia/Almaty") and clock.is_zone("Europe/Moscow")
    assert not clock.is_zone("Mars/Olympus") and not clock.is_zone("") and not clock.is_zone(
        " Asia/Almaty")
