"""One-day changes (services/timetable/changes.py): move, cancel, restore, add; the journal
grid and the diary skip a cancelled lesson."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import Attendance, Holiday, Lesson, Mark
from services import diary, lesson_gen
from services import grid as grid_service
from services.timetable import TimetableError, changes, set_cell
from tests.timetable_setup import add_bells, english_groups

MON, TUE, SAT = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 28)


@pytest.fixture
def tt(app, school):
    """Maths in 5 «А» on Mondays (2nd) and literature on Tuesdays (1st), generated."""
    with app.test_request_context(), force_locale("en"):
        add_bells(7)
        q2 = school.builder.periods[1]
        set_cell(school.c5, q2, 1, 2, [school.maths5], [])
        set_cell(school.c5, q2, 2, 1, [school.lit5], [])
        lesson_gen.regenerate_period(school.c5, q2)
        school.q2 = q2
        school.monday = lesson_on(school.maths5, MON)
        yield school


def lesson_on(page, day: dt.date) -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.page_id == page.id, Lesson.date == day))


def test_move_keeps_the_first_place(tt):
    lesson = changes.move_lesson(tt.monday, TUE, 3)
    assert (lesson.date, lesson.lesson_number, lesson.origin_date, lesson.origin_number) == (
        TUE, 3, MON, 2)
    changes.move_lesson(lesson, dt.date(2026, 11, 25), 4)
    assert (lesson.origin_date, lesson.origin_number) == (MON, 2)  # still the first place
    changes.move_lesson(lesson, MON, 2)
    assert lesson.origin_date is None and lesson.origin_number is None  # home again
    assert lesson_gen.regenerate_period(tt.c5, tt.q2).added == 0


def test_a_moved_lesson_is_not_refilled(tt):
    changes.move_lesson(tt.monday, TUE, 3)
    result = lesson_gen.regenerate_period(tt.c5, tt.q2)
    assert result.added == 0 and lesson_on(tt.maths5, MON) is None


@pytest.mark.parametrize("day,number,message", [
    (TUE, 1, "5 «А» already has Литература then"),  # the class has literature then
    (SAT, 3, "not a school day"),  # a five-day class
    (dt.date(2026, 11, 29), 3, "not a school day"),  # Sunday
    (dt.date(2027, 1, 5), 3, "not a school day"),  # the winter vacation, between periods
    (TUE, 9, "no bell"),
    (MON, 2, "another day"),
])
def test_move_refused(tt, day, number, message):
    with pytest.raises(TimetableError, match=message):
        changes.move_lesson(tt.monday, day, number)
    db.session.refresh(tt.monday)
    assert (tt.monday.date, tt.monday.origin_date) == (MON, None)


def test_move_refused_when_the_teacher_is_busy_in_another_class(tt):
    tt.builder.lesson(tt.maths6, TUE, 3)
    with pytest.raises(TimetableError, match="Предметникова.*6 «Б»"):
        changes.move_lesson(tt.monday, TUE, 3)
    changes.move_lesson(tt.monday, TUE, 4)


def test_move_to_a_holiday_refused(tt):
    db.session.add(Holiday(year_id=tt.builder.year.id, kind="holiday", start_date=TUE,
                           end_date=TUE))
    db.session.flush()
    with pytest.raises(TimetableError, match="not a school day"):
        changes.move_lesson(tt.monday, TUE, 3)


def test_subgroups_may_share_the_hour(tt):
    g1, g2 = english_groups(tt)
    one = tt.builder.lesson(g1, TUE, 5)
    two = tt.builder.lesson(g2, dt.date(2026, 11, 25), 5)
    changes.move_lesson(two, TUE, 5)
    assert one.lesson_number == two.lesson_number == 5


def test_cancel_refused_with_marks_or_attendance(tt):
    wt = tt.builder.work_types["lesson"].id
    db.session.add(Mark(lesson_id=tt.monday.id, pupil_id=tt.anna.id, value=4, work_type_id=wt))
    db.session.flush()
    with pytest.raises(TimetableError, match="marks or absences"):
        changes.cancel_lesson(tt.monday)
    tuesday = lesson_on(tt.lit5, TUE)
    db.session.add(Attendance(lesson_id=tuesday.id, pupil_id=tt.vera.id))
    db.session.flush()
    with pytest.raises(TimetableError, match="marks or absences"):
        changes.cancel_lesson(tuesday)
    assert not tt.monday.cancelled and not tuesday.cancelled


def test_cancelled_lesson_leaves_the_grid_and_the_diary_and_stays_cancelled(tt):
    tt.monday.homework = "№ 7"
    changes.cancel_lesson(tt.monday)
    grid = grid_service.load_grid(tt.maths5, tt.q2, tt.builder.periods, tt.builder.school)
    assert tt.monday.id not in {lesson.id for lesson in grid.lessons}
    assert len(grid.lessons) == 7
    week = diary.load_week(tt.anna, MON, "ru", MON, show_reason=False)
    assert [e.subject for e in week.days[0].lessons] == []  # neither lesson nor planned
    assert lesson_gen.regenerate_period(tt.c5, tt.q2).added == 0
    assert db.session.get(Lesson, tt.monday.id).cancelled


def test_restore_a_cancelled_lesson(tt):
    changes.cancel_lesson(tt.monday)
    tt.builder.lesson(tt.lit5, MON, 2, is_extra=True)
    with pytest.raises(TimetableError, match="already has"):
        changes.restore_lesson(tt.monday)
    db.session.execute(db.delete(Lesson).where(Lesson.page_id == tt.lit5.id, Lesson.date == MON))
    changes.restore_lesson(tt.monday)
    assert not tt.monday.cancelled


def test_extra_lesson_only_at_a_free_place(tt):
    admin = tt.admin
    with pytest.raises(TimetableError, match="already has"):
        changes.add_extra(tt.lit5, MON, 2, admin)
    lesson = changes.add_extra(tt.lit5, MON, 3, admin)
    assert lesson.is_extra
    count = db.session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.is_extra.is_(True)))
    assert count == 1
    with pytest.raises(TimetableError, match="not a school day"):
        changes.add_extra(tt.lit5, SAT, 3, admin)
