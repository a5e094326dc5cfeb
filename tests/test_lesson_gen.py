"""Lessons generated from the timetable (services/lesson_gen.py): school days only, and a
regeneration that never deletes a lesson holding data, nor brings back a cancelled or moved
one."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from extensions import db
from models import Attendance, Holiday, Lesson, Mark
from services import lesson_gen
from services.timetable import set_cell
from tests.timetable_setup import add_bells

MON_9_NOV, WED_11_NOV = dt.date(2026, 11, 9), dt.date(2026, 11, 11)


@pytest.fixture
def tt(app, school):
    with app.test_request_context(), force_locale("en"):
        add_bells(7)
        school.q2 = school.builder.periods[1]  # 5 Nov .. 28 Dec 2026
        yield school


def dates(page, number: int | None = None) -> list[dt.date]:
    query = select(Lesson.date).where(Lesson.page_id == page.id).order_by(Lesson.date)
    if number is not None:
        query = query.where(Lesson.lesson_number == number)
    return list(db.session.scalars(query))


def mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def test_every_timetable_day_of_the_period(tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    result = lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert dates(tt.maths5) == mondays(MON_9_NOV, dt.date(2026, 12, 28))
    assert result.added == 8 and result.deleted == 0 and result.kept == []
    assert lesson_gen.regenerate_period(tt.c5, tt.q2).added == 0  # twice is once


def test_holidays_are_skipped_for_their_grades_only(tt):
    db.session.add(Holiday(year_id=tt.builder.year.id, kind="holiday", start_date=MON_9_NOV,
                           end_date=MON_9_NOV, name="test"))
    db.session.add(Holiday(year_id=tt.builder.year.id, kind="vacation", grades="6",
                           start_date=dt.date(2026, 11, 16), end_date=dt.date(2026, 11, 16)))
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    got = dates(tt.maths5)
    assert MON_9_NOV not in got and dt.date(2026, 11, 16) in got  # the 6th grade's day only
    assert got[0] == dt.date(2026, 11, 16) and len(got) == 7


def test_saturday_lessons_only_in_a_six_day_week(tt):
    tt.c5.days_per_week = 6
    set_cell(tt.c5, tt.q2, 6, 1, [tt.maths5], [])
    tt.c5.days_per_week = 5  # the class went back to five days: no Saturday lessons
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert dates(tt.maths5) == []
    tt.c5.days_per_week = 6
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert dates(tt.maths5)[0] == dt.date(2026, 11, 7)


def test_only_inside_the_periods(tt):
    q1 = tt.builder.periods[0]
    from models import TimetableSlot
    db.session.add(TimetableSlot(page_id=tt.maths5.id, weekday=1, lesson_number=1,
                                 valid_from=tt.builder.year.start_date,
                                 valid_to=tt.builder.year.end_date))
    lesson_gen.regenerate([tt.c5], q1.start_date, tt.q2.end_date)
    got = dates(tt.maths5)
    assert dt.date(2026, 10, 19) in got and dt.date(2026, 11, 2) not in got  # the vacation
    assert got[-1] == dt.date(2026, 12, 28)


def test_regeneration_keeps_every_lesson_with_data(tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    lessons = {lsn.date: lsn for lsn in db.session.scalars(
        select(Lesson).where(Lesson.page_id == tt.maths5.id))}
    marked, absent, topic, homework, empty = (lessons[MON_9_NOV + dt.timedelta(weeks=k)]
                                              for k in range(5))
    db.session.add(Mark(lesson_id=marked.id, pupil_id=tt.anna.id, value=5,
                        work_type_id=tt.builder.work_types["lesson"].id))
    db.session.add(Attendance(lesson_id=absent.id, pupil_id=tt.anna.id))
    topic.topic, homework.homework = "Дроби", "№ 5"
    db.session.flush()
    set_cell(tt.c5, tt.q2, 1, 2, [], [])
    set_cell(tt.c5, tt.q2, 3, 1, [tt.maths5], [])  # maths moves to Wednesday
    result = lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert sorted(k.id for k in result.kept) == sorted(
        lsn.id for lsn in (marked, absent, topic, homework))
    assert db.session.get(Lesson, empty.id) is None
    assert result.deleted == 4 and result.added == 7
    assert dates(tt.maths5, 1) == mondays(WED_11_NOV, dt.date(2026, 12, 23))


def test_cancelled_moved_and_extra_lessons_stay_as_they_are(tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    first, second = (db.session.scalar(select(Lesson).where(
        Lesson.page_id == tt.maths5.id, Lesson.date == d)) for d in
        (MON_9_NOV, MON_9_NOV + dt.timedelta(weeks=1)))
    first.cancelled = True
    second.origin_date, second.origin_number = second.date, 2
    second.date, second.lesson_number = dt.date(2026, 11, 17), 4
    extra = tt.builder.lesson(tt.maths5, dt.date(2026, 11, 20), 5, is_extra=True)
    db.session.flush()
    result = lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert (result.added, result.deleted, result.kept) == (0, 0, [])
    assert db.session.get(Lesson, first.id).cancelled
    assert db.session.get(Lesson, extra.id) is not None
    assert (MON_9_NOV + dt.timedelta(weeks=1)) not in dates(tt.maths5, 2)


def test_other_classes_are_untouched(tt):
    stray = tt.builder.lesson(tt.maths6, MON_9_NOV, 3)
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert db.session.get(Lesson, stray.id) is not None


def test_opening_the_journal_writes_nothing(tt, login):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    db.session.commit()
    response = login("teacher").get(f"/journal/pages/{tt.maths5.id}")
    assert response.status_code == 200
    assert dates(tt.maths5) == []  # generation runs when the timetable changes, not on GET


def test_a_new_holiday_takes_its_lessons_away_but_keeps_those_with_data(tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    lesson_gen.regenerate_year(tt.builder.year)
    lesson = db.session.scalar(select(Lesson).where(Lesson.date == MON_9_NOV))
    lesson.topic = "Дроби"
    db.session.add(Holiday(year_id=tt.builder.year.id, start_date=MON_9_NOV,
                           end_date=dt.date(2026, 11, 16)))
    db.session.flush()
    result = lesson_gen.regenerate_year(tt.builder.year)
    assert result.deleted == 1 and [k.id for k in result.kept] == [lesson.id]
    assert dates(tt.maths5)[:2] == [MON_9_NOV, dt.date(2026, 11, 23)]


def test_the_lessons_command(app, tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], [])
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["school", "lessons"])
    assert out.exit_code == 0 and "8 lessons added" in out.output
