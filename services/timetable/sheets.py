"""Timetables to read and print: a class's week, a teacher's week, a pupil's week.

A Sheet is plain text per cell (day x lesson number) with the bells beside the numbers, so
the read-only grid, the PDF and the diary draw the same thing. Each is a fixed number of
queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel.dates import get_day_names
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models import Bell, Pupil, SchoolClass, Staff, SubgroupMember, SubjectPage, TimetableSlot
from services.timetable.week import Week, page_label


@dataclass
class Entry:
    """One lesson of a cell: what, with whom or for whom, where."""

    subject: str
    detail: str  # the teacher (class and pupil sheets) or the class (teacher sheet)
    room: str = ""


@dataclass
class Sheet:
    title: str
    weekdays: list[int]
    bells: dict[int, Bell]
    cells: dict[tuple[int, int], list[Entry]] = field(default_factory=dict)

    @property
    def numbers(self) -> list[int]:
        return sorted(set(self.bells) | {n for _d, n in self.cells})

    def cell(self, weekday: int, number: int) -> list[Entry]:
        return self.cells.get((weekday, number), [])

    def is_empty(self) -> bool:
        return not self.cells


def day_names(locale: str, width: str = "wide") -> dict[int, str]:
    """Monday = 1 .. Saturday = 6 in the user's language."""
    names = get_day_names(width, "stand-alone", locale=locale)
    return {d: names[d - 1] for d in range(1, 7)}


def _bells() -> dict[int, Bell]:
    return {b.number: b for b in db.session.scalars(select(Bell).order_by(Bell.number))}


def class_sheet(week: Week, locale: str) -> Sheet:
    """The class's week as loaded by load_week (no more queries)."""
    sheet = Sheet(week.school_class.name, week.weekdays, {b.number: b for b in week.bells})
    for key, slots in week.cells.items():
        sheet.cells[key] = [Entry(page_label(s.page, locale), s.page.teacher.name, s.room)
                            for s in slots]
    return sheet


def teacher_sheet(staff: Staff, day: dt.date, locale: str) -> Sheet:
    """The teacher's lessons in every class, by the timetable valid on that day."""
    rows = db.session.execute(
        select(TimetableSlot, SubjectPage).join(SubjectPage,
                                                SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.teacher_id == staff.id, TimetableSlot.valid_from <= day,
               TimetableSlot.valid_to >= day)
        .options(joinedload(SubjectPage.subgroup))
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number)).all()
    sheet = Sheet(staff.person.full_name, [1, 2, 3, 4, 5], _bells())
    for slot, page in rows:
        sheet.cells.setdefault((slot.weekday, slot.lesson_number), []).append(
            Entry(page_label(page, locale), page.school_class.name, slot.room))
    if any(d == 6 for d, _n in sheet.cells):
        sheet.weekdays.append(6)
    return sheet


def pupil_sheet(pupil: Pupil, day: dt.date, locale: str) -> Sheet:
    """The pupil's week: the class's pages and those of the pupil's subgroups (on that
    day), by the timetable valid on that day."""
    cls: SchoolClass | None = pupil.school_class
    sheet = Sheet(cls.name if cls else "", list(range(1, (cls.days_per_week if cls else 5) + 1)),
                  _bells())
    if cls is None:
        return sheet
    groups = select(SubgroupMember.subgroup_id).where(
        SubgroupMember.pupil_id == pupil.id,
        or_(SubgroupMember.start_date.is_(None), SubgroupMember.start_date <= day),
        or_(SubgroupMember.end_date.is_(None), SubgroupMember.end_date >= day))
    rows = db.session.execute(
        select(TimetableSlot, SubjectPage).join(SubjectPage,
                                                SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.class_id == cls.id, TimetableSlot.valid_from <= day,
               TimetableSlot.valid_to >= day,
               or_(SubjectPage.subgroup_id.is_(None), SubjectPage.subgroup_id.in_(groups)))
        .options(joinedload(SubjectPage.teacher), joinedload(SubjectPage.subgroup))
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number)).all()
    for slot, page in rows:
        sheet.cells.setdefault((slot.weekday, slot.lesson_number), []).append(
            Entry(page_label(page, locale), page.teacher.name, slot.room))
    return sheet


def timetable_day(periods: list, today: dt.date) -> dt.date:
    """The day whose timetable is "the current period's": today inside a period, else the
    first day of the next period (in the holidays), else of the last one."""
    if any(p.start_date <= today <= p.end_date for p in periods):
        return today
    later = [p.start_date for p in periods if p.start_date > today]
    if later:
        return min(later)
    return periods[-1].start_date if periods else today
