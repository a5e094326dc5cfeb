"""School days (services/calendar.py) and the edit windows counted in them (issue 16): a
holiday inside a window moves its end later, a Saturday counts only in a six-day class, the
last day of a window is open and the next one closed, at every entrance."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from extensions import db
from models import Holiday, Lesson
from services import calendar as cal
from services import grid as grid_service
from services import journal as rules
from services.calendar import Closure, SchoolCalendar
from tests.conftest import TODAY
from tests.fragments import status
from tests.sql import count_queries

D = dt.date
YEAR = SchoolCalendar(D(2026, 9, 1), D(2027, 5, 31), [
    Closure(D(2026, 10, 26), D(2026, 11, 4), frozenset(), "autumn"),
    Closure(D(2027, 2, 15), D(2027, 2, 21), frozenset({1}), "first grade"),
])


# -- the calendar itself ---------------------------------------------------------------------

@pytest.mark.parametrize(("day", "grade", "week", "school"), [
    (D(2026, 11, 23), 5, 5, True),    # a Monday
    (D(2026, 11, 22), 5, 6, False),   # Sunday, whatever the week
    (D(2026, 11, 21), 5, 5, False),   # Saturday in a five-day week
    (D(2026, 11, 21), 5, 6, True),    # Saturday in a six-day week
    (D(2026, 10, 26), 5, 5, False),   # the autumn vacation, every grade
    (D(2026, 11, 4), None, 5, False),
    (D(2026, 11, 5), 5, 5, True),     # the day after it
    (D(2027, 2, 15), 1, 5, False),    # the first grade's extra week
    (D(2027, 2, 15), 2, 5, True),     # ... is school for the second grade
    (D(2027, 2, 15), None, 5, True),  # ... and the school is open
    (D(2026, 8, 31), 5, 5, False),    # before the year
    (D(2027, 6, 1), 5, 5, False),     # after it
])
def test_is_school_day(day, grade, week, school):
    assert YEAR.is_school_day(day, grade, week) is school


def test_school_days_lists_the_days_in_order():
    assert YEAR.school_days(D(2026, 10, 22), D(2026, 11, 6), 5, 5) == [
        D(2026, 10, 22), D(2026, 10, 23), D(2026, 11, 5), D(2026, 11, 6)]


@pytest.mark.parametrize(("day", "n", "grade", "week", "end"), [
    (D(2026, 11, 19), 0, 5, 5, D(2026, 11, 19)),  # n = 0: the day itself
    (D(2026, 11, 19), 2, 5, 5, D(2026, 11, 23)),  # Thursday + 2 in a five-day week: Monday
    (D(2026, 11, 19), 2, 5, 6, D(2026, 11, 21)),  # ... in a six-day week: Saturday
    (D(2026, 10, 23), 2, 5, 5, D(2026, 11, 6)),   # over the autumn vacation
    (D(2027, 2, 12), 1, 1, 5, D(2027, 2, 22)),    # the first grade's week is skipped
    (D(2027, 2, 12), 1, 2, 5, D(2027, 2, 15)),    # ... by the first grade only
    (D(2027, 5, 28), 7, 5, 5, D(2027, 6, 6)),     # past the year every day counts
])
def test_add_school_days(day, n, grade, week, end):
    assert YEAR.add_school_days(day, n, grade, week) == end


@pytest.mark.parametrize(("today", "n", "week", "start"), [
    (D(2026, 11, 23), 2, 5, D(2026, 11, 19)),  # Monday: back to Thursday
    (D(2026, 11, 23), 2, 6, D(2026, 11, 20)),  # ... Friday when Saturday is a school day
    (D(2026, 11, 6), 2, 5, D(2026, 10, 23)),   # after the vacation: back over it
    (D(2026, 9, 2), 14, 5, D(2026, 9, 1)),     # never before the year's first day
])
def test_window_start_is_the_oldest_open_day(today, n, week, start):
    assert YEAR.window_start(today, n, 5, week) == start
    assert YEAR.add_school_days(start, n, 5, week) >= today
    if start > YEAR.start:
        assert YEAR.add_school_days(start - dt.timedelta(days=1), n, 5, week) < today


def test_closure_on_names_the_vacation():
    assert YEAR.closure_on(D(2026, 10, 30)).name == "autumn"
    assert YEAR.closure_on(D(2027, 2, 16), grade=2) is None
    assert YEAR.closure_on(D(2027, 2, 16), grade=1).name == "first grade"




def _holiday(school, start: dt.date, end: dt.date, grades: str = "") -> Holiday:
    return school.builder._add(Holiday(year_id=school.builder.year.id, kind="holiday",
                                       name="День", start_date=start, end_date=end,
                                       grades=grades))


def test_the_calendar_is_read_once_per_request_and_forgotten_on_change(app, school):
    year = school.builder.year
    _holiday(school, D(2026, 11, 24), D(2026, 11, 24), "1, 2")
    db.session.commit()
    with app.test_request_context():
        with count_queries() as seen:
            first = cal.calendar_for_id(year.id)
            assert cal.calendar_for_id(year.id) is first
        assert len(seen) == 1
        assert first.closures == [Closure(D(2026, 11, 24), D(2026, 11, 24),
                                          frozenset({1, 2}), "День")]
        assert (first.start, first.end) == (year.start_date, year.end_date)
        assert cal.calendar_for(year) is cal.calendar_for(year)
        cal.forget()
        with count_queries() as seen:
            cal.calendar_for_id(year.id)
        assert len(seen) == 1


def test_load_calendar_outside_a_request(school):
    _holiday(school, D(2026, 12, 31), D(2027, 1, 11))
    loaded = cal.load_calendar(school.builder.year)
    assert not loaded.is_school_day(D(2027, 1, 5), 5, 5)
    assert cal.calendar_for_id(-1).add_school_days(D(2026, 11, 21), 1) == D(2026, 11, 22)


# -- the edit windows ------------------------------------------------------------------------

@pytest.fixture
def ctx(app, school):
    with app.test_request_context(), force_locale("en"):
        yield school


def _lock(ctx, day: dt.date, today: dt.date, page=None, code: str = "lesson") -> rules.Lock:
    b = ctx.builder
    page = page or ctx.maths5
    cal.forget()
    return rules.lesson_lock(b.school, page, Lesson(page_id=page.id, date=day),
                             b.work_types[code], today)


def test_a_holiday_inside_the_window_moves_its_end_later(ctx):
    friday = D(2026, 10, 23)
    assert not _lock(ctx, friday, D(2026, 10, 28)).open  # no vacation yet: Mon, Tue, closed
    _holiday(ctx, D(2026, 10, 26), D(2026, 11, 4))
    assert _lock(ctx, friday, D(2026, 11, 5)).open
    last = _lock(ctx, friday, D(2026, 11, 6))
    assert last.open and last.until == D(2026, 11, 6)  # the second school day after it
    assert not _lock(ctx, friday, D(2026, 11, 9)).open  # the next school day: closed


def test_a_holiday_of_another_grade_does_not_move_the_window(ctx):
    _holiday(ctx, D(2026, 11, 20), D(2026, 11, 20), grades="1")
    assert not _lock(ctx, D(2026, 11, 18), TODAY).open  # Thu, Fri: closed on Monday
    _holiday(ctx, D(2026, 11, 19), D(2026, 11, 19), grades="5")
    assert _lock(ctx, D(2026, 11, 18), TODAY).open  # Thursday off for grade 5: Fri, Mon


def test_saturday_counts_only_in_a_six_day_class(ctx):
    thursday = D(2026, 11, 19)
    assert _lock(ctx, thursday, TODAY).open  # five days: Friday, Monday
    assert not _lock(ctx, thursday, TODAY + dt.timedelta(days=1)).open
    ctx.c5.days_per_week = 6
    assert _lock(ctx, thursday, D(2026, 11, 21)).open  # Friday, Saturday
    assert not _lock(ctx, thursday, TODAY).open


def test_control_work_window_counts_school_days(ctx):
    wednesday = D(2026, 11, 11)  # + 7 school days: Thursday 12 .. Friday 20
    assert _lock(ctx, wednesday, D(2026, 11, 20), code="control").open
    assert not _lock(ctx, wednesday, D(2026, 11, 21), code="control").open


def test_the_grid_marks_columns_by_school_days(ctx):
    b = ctx.builder
    old = b.lesson(ctx.maths5, D(2026, 11, 17), 1)      # Tuesday
    older = b.lesson(ctx.maths5, D(2026, 11, 16), 1)    # Monday
    _holiday(ctx, D(2026, 11, 19), D(2026, 11, 20))     # Thursday and Friday off
    cal.forget()
    periods = b.periods
    grid = grid_service.load_grid(ctx.maths5, periods[1], periods, b.school)
    cols, reasons, _today = grid_service.columns(grid, True, lambda lesson: True, TODAY)
    locks = {c.lesson.id: c.lock for c in cols}
    assert locks[old.id] is None  # Wednesday, Monday: open today
    assert locks[older.id] is not None and "2 school days" in reasons[locks[older.id]]


def test_a_holiday_reopens_the_cell_over_http(school, login):
    wednesday = school.builder.lesson(school.maths5, D(2026, 11, 18), 2)
    db.session.commit()
    client = login("teacher")
    data = {"pupil": school.anna.id, "value": "5", "old": ""}
    url = f"/journal/lessons/{wednesday.id}/cell"
    assert status(client.post(url, data=data, headers={"HX-Request": "true"})) == 403
    _holiday(school, D(2026, 11, 19), D(2026, 11, 19))
    db.session.commit()
    assert status(client.post(url, data=data, headers={"HX-Request": "true"})) == 200
    marks = {f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": "5"}
    panel = client.post(f"/lessons/{wednesday.id}/marks",
                        data={**marks, f"cell-{school.anna.id}": "4"})
    assert panel.status_code == 303  # the lesson panel's form keeps the same window
