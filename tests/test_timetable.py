"""The weekly timetable's rules (services/timetable/week.py), each at its boundary."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import TimetableSlot
from services.timetable import TimetableError, load_week, set_cell
from tests.timetable_setup import add_bells, english_groups


@pytest.fixture
def tt(app, school):
    """The tiny school with bells 1-7, in a request in English (messages in source form)."""
    with app.test_request_context(), force_locale("en"):
        add_bells(7)
        school.q2 = school.builder.periods[1]
        school.q1 = school.builder.periods[0]
        yield school


def slots() -> int:
    return db.session.scalar(select(func.count()).select_from(TimetableSlot))


def refused(tt, cls, weekday, number, pages, rooms=(), period=None, match=""):
    before = slots()
    with pytest.raises(TimetableError, match=match):
        set_cell(cls, period or tt.q2, weekday, number, pages, list(rooms))
    assert slots() == before, "a refused cell changes nothing"


def test_cell_written_and_read_back(tt):
    set_cell(tt.c5, tt.q2, 1, 2, [tt.maths5], ["12"])
    week = load_week(tt.c5, tt.q2)
    (slot,) = week.cell(1, 2)
    assert (slot.page_id, slot.room, slot.valid_from, slot.valid_to) == (
        tt.maths5.id, "12", tt.q2.start_date, tt.q2.end_date)
    assert week.weekdays == [1, 2, 3, 4, 5] and week.numbers == list(range(1, 8))
    set_cell(tt.c5, tt.q2, 1, 2, [], [])
    assert load_week(tt.c5, tt.q2).cell(1, 2) == []


def test_same_teacher_in_two_classes_at_once_refused(tt):
    set_cell(tt.c5, tt.q2, 1, 1, [tt.maths5], [])
    refused(tt, tt.c6, 1, 1, [tt.maths6], match="Предметникова.*5 «А».*Математика")
    set_cell(tt.c6, tt.q2, 1, 2, [tt.maths6], [])  # the next lesson is free
    set_cell(tt.c6, tt.q2, 2, 1, [tt.maths6], [])  # so is the next day


def test_teacher_clash_only_when_dates_overlap(tt):
    set_cell(tt.c6, tt.q1, 1, 1, [tt.maths6], [])
    set_cell(tt.c5, tt.q2, 1, 1, [tt.maths5], [])  # another quarter: no clash
    refused(tt, tt.c5, 1, 1, [tt.maths5], period=tt.q1, match="6 «Б»")


def test_same_room_twice_refused_empty_room_is_not_a_room(tt):
    set_cell(tt.c5, tt.q2, 3, 1, [tt.lit5], ["12А"])
    refused(tt, tt.c10, 3, 1, [tt.lit10], ["12а"], match="Room 12А.*5 «А»")
    set_cell(tt.c10, tt.q2, 3, 1, [tt.lit10], ["13"])
    set_cell(tt.c5, tt.q2, 3, 2, [tt.maths5], [""])
    set_cell(tt.c6, tt.q2, 3, 3, [tt.maths6], [""])
    set_cell(tt.c10, tt.q2, 3, 2, [tt.lit10], [""])  # two lessons without a room


def test_two_pages_of_one_class_refused_subgroups_allowed(tt):
    refused(tt, tt.c5, 2, 1, [tt.maths5, tt.lit5], ["1", "2"], match="only different subgroups")
    g1, g2 = english_groups(tt)
    refused(tt, tt.c5, 2, 1, [tt.maths5, g1], ["1", "2"], match="only different subgroups")
    set_cell(tt.c5, tt.q2, 2, 1, [g1, g2], ["21", "22"])
    assert {s.page_id for s in load_week(tt.c5, tt.q2).cell(2, 1)} == {g1.id, g2.id}


def test_subgroups_need_their_own_teachers_and_rooms(tt):
    g1, g2 = english_groups(tt)
    refused(tt, tt.c5, 2, 1, [g1, g2], ["21", "21"], match="Room 21 cannot hold two groups")
    g2.teacher_id = g1.teacher_id
    db.session.flush()
    refused(tt, tt.c5, 2, 1, [g1, g2], ["21", "22"], match="two groups")


def test_saturday_only_in_a_six_day_class(tt):
    refused(tt, tt.c5, 6, 1, [tt.maths5], match="five-day week")
    tt.c5.days_per_week = 6
    set_cell(tt.c5, tt.q2, 6, 1, [tt.maths5], [])
    assert load_week(tt.c5, tt.q2).weekdays == [1, 2, 3, 4, 5, 6]


def test_lesson_number_needs_a_bell(tt):
    set_cell(tt.c5, tt.q2, 1, 7, [tt.maths5], [])
    refused(tt, tt.c5, 1, 8, [tt.maths5], match="Lesson 8 has no bell")
    refused(tt, tt.c5, 1, 0, [tt.lit5], match="Lesson 0 has no bell")


def test_no_more_lessons_than_the_load(tt):
    assert tt.maths5.hours_per_week == 3
    for weekday in (1, 2, 3):
        set_cell(tt.c5, tt.q2, weekday, 1, [tt.maths5], [])
    refused(tt, tt.c5, 4, 1, [tt.maths5], match="already has 3 lessons a week")
    set_cell(tt.c5, tt.q2, 3, 1, [tt.maths5], ["7"])  # the same cell again is no extra lesson
    set_cell(tt.c5, tt.q2, 3, 1, [], [])
    set_cell(tt.c5, tt.q2, 4, 1, [tt.maths5], [])  # room made by clearing one


def test_a_page_of_another_class_refused(tt):
    refused(tt, tt.c5, 1, 1, [tt.maths6], match="Choose a subject of 5 «А»")


def test_room_length_refused(tt):
    refused(tt, tt.c5, 1, 1, [tt.maths5], ["x" * 21], match="at most 20")
    set_cell(tt.c5, tt.q2, 1, 1, [tt.maths5], ["x" * 20])


def test_a_whole_year_slot_keeps_the_other_periods(tt):
    db.session.add(TimetableSlot(page_id=tt.maths5.id, weekday=1, lesson_number=1, room="5",
                                 valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 5, 31)))
    db.session.flush()
    set_cell(tt.c5, tt.q2, 1, 1, [tt.lit5], [""])
    rows = db.session.execute(select(TimetableSlot.page_id, TimetableSlot.valid_from,
                                     TimetableSlot.valid_to).order_by(
        TimetableSlot.valid_from)).all()
    assert [tuple(r) for r in rows] == [
        (tt.maths5.id, dt.date(2026, 9, 1), dt.date(2026, 11, 4)),
        (tt.lit5.id, tt.q2.start_date, tt.q2.end_date),
        (tt.maths5.id, dt.date(2026, 12, 29), dt.date(2027, 5, 31))]
    assert [s.page_id for s in load_week(tt.c5, tt.q1).cell(1, 1)] == [tt.maths5.id]


def test_week_reads_in_a_fixed_number_of_queries(tt):
    from sqlalchemy import event
    for weekday in (1, 2, 3):
        set_cell(tt.c5, tt.q2, weekday, weekday, [tt.maths5], [])
    db.session.commit()
    db.session.expire_all()
    assert tt.c5.grade and tt.q2.start_date  # loaded before counting, as a view has them
    seen: list[str] = []

    def count(*args) -> None:
        seen.append(args[2])
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        week = load_week(tt.c5, tt.q2)
        labels = [s.page.subject.name_ru for cell in week.cells.values() for s in cell]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert labels == ["Математика"] * 3 and week.lessons_of(tt.maths5.id) == 3
    assert len(seen) == 3, seen  # pages, bells, slots
