"""A closed year is an archive at every entrance of issue 16, not only in the journal: its
timetable, its one-day changes, its teaching load and its lessons' regeneration all refuse
(the journal's own entrances are tested in tests/test_yearclose_demo.py)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import Lesson, TimetableSlot
from services import lesson_gen, load
from services.timetable import TimetableError, changes, set_cell
from tests.conftest import TODAY
from tests.timetable_setup import add_bells


@pytest.fixture
def closed(app, school):
    """5 «А» has maths on Mondays, generated; then the year is closed."""
    with app.test_request_context(), force_locale("en"):
        add_bells(7)
        school.q2 = school.builder.periods[1]
        set_cell(school.c5, school.q2, 1, 2, [school.maths5], [])
        lesson_gen.regenerate_period(school.c5, school.q2)
        school.c5.year.closed = True
        db.session.flush()
        yield school


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_timetable_of_a_closed_year_is_not_changed(closed):
    slots = _count(TimetableSlot)
    with pytest.raises(TimetableError, match="closed"):
        set_cell(closed.c5, closed.q2, 2, 3, [closed.maths5], [])
    with pytest.raises(TimetableError, match="closed"):
        set_cell(closed.c5, closed.q2, 1, 2, [], [])
    assert _count(TimetableSlot) == slots


def test_one_day_changes_in_a_closed_year_are_refused(closed):
    lesson = db.session.scalar(select(Lesson).where(Lesson.page_id == closed.maths5.id)
                               .order_by(Lesson.date))
    place = (lesson.date, lesson.lesson_number, lesson.cancelled)
    for change in (lambda: changes.move_lesson(lesson, lesson.date, 5),
                   lambda: changes.cancel_lesson(lesson),
                   lambda: changes.restore_lesson(lesson),
                   lambda: changes.add_extra(closed.maths5, TODAY, 6, closed.admin)):
        with pytest.raises(TimetableError, match="closed"):
            change()
    assert (lesson.date, lesson.lesson_number, lesson.cancelled) == place


def test_regeneration_leaves_a_closed_year_as_it_was(closed):
    lessons = _count(Lesson)
    db.session.execute(TimetableSlot.__table__.delete())  # as if the timetable were gone
    result = lesson_gen.regenerate_period(closed.c5, closed.q2)
    assert (result.added, result.deleted, _count(Lesson)) == (0, 0, lessons)


def test_the_load_of_a_closed_year_is_not_handed_over_or_assigned(closed):
    with pytest.raises(load.LoadError, match="closed"):
        load.hand_over(closed.admin, closed.maths5, closed.other_staff, TODAY)
    with pytest.raises(load.LoadError, match="closed"):
        load.assign(closed.admin, closed.c5, closed.lit5.subject, closed.other_staff, TODAY)
    assert closed.maths5.teacher_id == closed.t_staff.id
