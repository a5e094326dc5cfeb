"""Lessons are generated from the timetable of the period (issue 3).

Each TimetableSlot says a page is taught on a weekday as lesson number N between two dates;
the journal needs one Lesson row per such date inside the study period. Two queries read the
slots and the existing lessons, one bulk insert adds what is missing; nothing is deleted (a
lesson may already hold marks).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from extensions import db
from models import Lesson, StudyPeriod, SubjectPage, TimetableSlot


def timetable_dates(slots: list[tuple[int, int, dt.date, dt.date]], start: dt.date,
                    end: dt.date) -> set[tuple[dt.date, int]]:
    """(date, lesson number) for every slot (weekday, number, valid_from, valid_to) in [start, end]."""
    out: set[tuple[dt.date, int]] = set()
    for weekday, number, valid_from, valid_to in slots:
        first, last = max(start, valid_from), min(end, valid_to)
        if first > last:
            continue
        day = first + dt.timedelta(days=(weekday - first.isoweekday()) % 7)
        while day <= last:
            out.add((day, number))
            day += dt.timedelta(days=7)
    return out


def ensure_lessons(page: SubjectPage, period: StudyPeriod, work_type_id: int | None = None) -> int:
    """Create the missing Lesson rows of a page in a period from its timetable; how many were added."""
    slots = db.session.execute(
        select(TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.valid_from,
               TimetableSlot.valid_to).where(TimetableSlot.page_id == page.id,
                                             TimetableSlot.valid_from <= period.end_date,
                                             TimetableSlot.valid_to >= period.start_date)).all()
    if not slots:
        return 0
    wanted = timetable_dates(list(slots), period.start_date, period.end_date)
    existing = {tuple(r) for r in db.session.execute(
        select(Lesson.date, Lesson.lesson_number).where(
            Lesson.page_id == page.id, Lesson.date >= period.start_date,
            Lesson.date <= period.end_date))}
    missing = sorted(wanted - existing)
    if missing:
        db.session.execute(insert(Lesson), [
            {"page_id": page.id, "date": d, "lesson_number": n, "topic": "", "homework": "",
             "work_type_id": work_type_id, "ict_used": False, "is_extra": False}
            for d, n in missing])
    return len(missing)
