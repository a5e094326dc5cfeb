"""The journal's lessons follow the calendar kept in the back office (issue 16): a vacation
added in the holidays grid takes its empty lessons away and keeps every lesson with data;
deleting it brings them back; a closed year's calendar is not changed."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import Holiday, Lesson, Mark, StudyPeriod
from services import lesson_gen
from services.timetable import set_cell
from tests.fragments import status
from tests.timetable_setup import add_bells

MON1, MON2 = dt.date(2026, 11, 30), dt.date(2026, 12, 7)


@pytest.fixture
def mondays(app, school):
    """Maths in 5 «А» on Mondays (2nd lesson) of the second quarter, generated."""
    with app.test_request_context(), force_locale("en"):
        add_bells(7)
        q2 = school.builder.periods[1]
        set_cell(school.c5, q2, 1, 2, [school.maths5], [])
        lesson_gen.regenerate_period(school.c5, q2)
        db.session.commit()
    return school


def _on(page, day: dt.date) -> Lesson | None:
    return db.session.scalar(select(Lesson).where(Lesson.page_id == page.id, Lesson.date == day))


def _vacation(school) -> dict:
    return {"year_id": str(school.builder.year.id), "kind": "vacation", "name": "Карантин",
            "start_date": MON1.isoformat(), "end_date": MON2.isoformat(), "grades": ""}


def test_a_vacation_takes_empty_lessons_away_keeps_those_with_data_and_gives_them_back(
        mondays, login):
    held = _on(mondays.maths5, MON1)
    db.session.add(Mark(lesson_id=held.id, pupil_id=mondays.anna.id, value=5,
                        work_type_id=mondays.builder.work_types["lesson"].id))
    db.session.commit()
    client = login("admin")
    assert status(client.post("/admin/holidays/new", data=_vacation(mondays))) == 302
    assert _on(mondays.maths5, MON1) is not None  # a mark: kept for the administrator
    assert _on(mondays.maths5, MON2) is None  # empty: gone with the vacation
    holiday = db.session.scalar(select(Holiday))
    assert status(client.post(f"/admin/holidays/{holiday.id}/delete",
                              data={"confirm": "yes"})) == 302
    assert _on(mondays.maths5, MON2) is not None  # a school day again


def test_a_longer_period_brings_its_new_lessons(mondays, login):
    q2 = db.session.get(StudyPeriod, mondays.builder.periods[1].id)
    before = db.session.scalar(select(func.count()).select_from(Lesson))
    client = login("admin")
    data = {"year_id": str(q2.year_id), "scheme": q2.scheme, "number": str(q2.number),
            "start_date": q2.start_date.isoformat(),
            "end_date": (q2.end_date - dt.timedelta(days=14)).isoformat()}
    assert status(client.post(f"/admin/periods/{q2.id}", data=data)) in (200, 302)
    shorter = db.session.scalar(select(func.count()).select_from(Lesson))
    assert shorter < before


def test_a_closed_years_calendar_is_not_changed(mondays, login):
    mondays.builder.year.closed = True
    db.session.commit()
    lessons = db.session.scalar(select(func.count()).select_from(Lesson))
    client = login("admin")
    answer = client.post("/admin/holidays/new", data=_vacation(mondays))
    assert status(answer) == 422 and db.session.scalar(
        select(func.count()).select_from(Holiday)) == 0
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == lessons


def test_a_closed_years_holidays_and_periods_are_not_deleted(mondays, login):
    holiday = Holiday(year_id=mondays.builder.year.id, kind="holiday", name="Праздник",
                      start_date=MON1, end_date=MON1, grades="")
    db.session.add(holiday)
    mondays.builder.year.closed = True
    db.session.commit()
    client = login("admin")
    period = mondays.builder.periods[1]
    for url in (f"/admin/holidays/{holiday.id}/delete", f"/admin/periods/{period.id}/delete"):
        assert status(client.post(url, data={"confirm": "yes"})) == 302
    assert db.session.get(Holiday, holiday.id) is not None
    assert db.session.get(StudyPeriod, period.id) is not None
