"""The weekly timetable of one class in one study period, and the rules a cell must keep.

A cell is a weekday (1-6) and a lesson number; it holds one subject page of the class, or
several subgroup pages of it (English group 1 and group 2 taught at the same time by two
teachers). Its TimetableSlot rows are valid for the period's dates. Changing a cell refuses,
naming the clash, and then changes nothing:
- the same teacher in two places at once (any class, same weekday and number, dates that
  overlap), the same room twice;
- two pages of one class at once, unless they are different subgroups' pages;
- Saturday in a five-day class; a lesson number without a bell;
- more lessons a week of a page than its hours_per_week.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload

from extensions import db
from models import Bell, SchoolClass, Staff, StudyPeriod, SubjectPage, TimetableSlot

ROOM_MAX = 20
DAY = dt.timedelta(days=1)


class TimetableError(ValueError):
    """A timetable change the rules refuse; the message names the clash."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Week:
    """A class's weekly timetable in a period: its pages, bells and cells."""

    school_class: SchoolClass
    period: StudyPeriod
    pages: list[SubjectPage]
    bells: list[Bell]
    cells: dict[tuple[int, int], list[TimetableSlot]] = field(default_factory=dict)

    @property
    def weekdays(self) -> list[int]:
        return list(range(1, self.school_class.days_per_week + 1))

    @property
    def numbers(self) -> list[int]:
        """Lesson numbers with a bell, and any number a slot already uses."""
        used = {n for _wd, n in self.cells}
        return sorted({b.number for b in self.bells} | used)

    def cell(self, weekday: int, number: int) -> list[TimetableSlot]:
        return self.cells.get((weekday, number), [])

    def lessons_of(self, page_id: int) -> int:
        """Lessons a week of a page in this timetable."""
        return sum(1 for slots in self.cells.values() for s in slots if s.page_id == page_id)


def _overlapping(period: StudyPeriod):
    return and_(TimetableSlot.valid_from <= period.end_date,
                TimetableSlot.valid_to >= period.start_date)


def class_pages(school_class: SchoolClass) -> list[SubjectPage]:
    """The class's subject pages with subject, subgroup and teacher, by subject (one query)."""
    return list(db.session.scalars(
        select(SubjectPage).where(SubjectPage.class_id == school_class.id)
        .options(joinedload(SubjectPage.teacher), joinedload(SubjectPage.subgroup))
        .order_by(SubjectPage.subject_id, SubjectPage.subgroup_id)).unique())


def load_week(school_class: SchoolClass, period: StudyPeriod,
              pages: list[SubjectPage] | None = None) -> Week:
    """The class's timetable in the period: three queries (pages, bells, slots)."""
    pages = class_pages(school_class) if pages is None else pages
    bells = list(db.session.scalars(select(Bell).order_by(Bell.number)))
    by_id = {p.id: p for p in pages}
    week = Week(school_class, period, pages, bells)
    slots = db.session.scalars(select(TimetableSlot).where(
        TimetableSlot.page_id.in_(list(by_id)), _overlapping(period))
        .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.page_id))
    for slot in slots:
        slot.page = by_id[slot.page_id]
        week.cells.setdefault((slot.weekday, slot.lesson_number), []).append(slot)
    return week


def set_cell(school_class: SchoolClass, period: StudyPeriod, weekday: int, number: int,
             pages: list[SubjectPage], rooms: list[str]) -> list[TimetableSlot]:
    """Put these pages (with their rooms, by position) in the cell for the period's dates;
    no pages empties it. Returns the cell's new slots.

    Raises TimetableError naming the first clash; nothing is changed then.
    """
    rooms = [(rooms[i] if i < len(rooms) else (rooms[-1] if rooms else "")).strip()
             for i in range(len(pages))]
    check_cell(school_class, period, weekday, number, pages, rooms)
    existing = _cell_slots(school_class, period, weekday, number)
    if sorted((s.page_id, s.room) for s in existing if _inside(s, period)) == sorted(
            zip([p.id for p in pages], rooms, strict=True)) and all(
            _inside(s, period) for s in existing):
        return existing
    for slot in existing:
        _clip(slot, period)
    db.session.flush()  # the old rows leave before the new ones arrive (same unique key)
    new = [TimetableSlot(page_id=p.id, weekday=weekday, lesson_number=number,
                         valid_from=period.start_date, valid_to=period.end_date, room=room)
           for p, room in zip(pages, rooms, strict=True)]
    db.session.add_all(new)
    db.session.flush()
    return new


def _cell_slots(school_class: SchoolClass, period: StudyPeriod, weekday: int,
                number: int) -> list[TimetableSlot]:
    return list(db.session.scalars(
        select(TimetableSlot).join(SubjectPage, SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.class_id == school_class.id, TimetableSlot.weekday == weekday,
               TimetableSlot.lesson_number == number, _overlapping(period))))


def _inside(slot: TimetableSlot, period: StudyPeriod) -> bool:
    return slot.valid_from >= period.start_date and slot.valid_to <= period.end_date


def _clip(slot: TimetableSlot, period: StudyPeriod) -> None:
    """Take the period's dates out of a slot: a slot of the whole year keeps the days before
    and after the period (the other periods' timetables stay as they were)."""
    before = slot.valid_from < period.start_date
    after = slot.valid_to > period.end_date
    if before and after:
        db.session.add(TimetableSlot(page_id=slot.page_id, weekday=slot.weekday,
                                     lesson_number=slot.lesson_number, room=slot.room,
                                     valid_from=period.end_date + DAY, valid_to=slot.valid_to))
    if before:
        slot.valid_to = period.start_date - DAY
    elif after:
        slot.valid_from = period.end_date + DAY
    else:
        db.session.execute(delete(TimetableSlot).where(TimetableSlot.id == slot.id))
        db.session.expunge(slot)


def check_cell(school_class: SchoolClass, period: StudyPeriod, weekday: int, number: int,
               pages: list[SubjectPage], rooms: list[str]) -> None:
    """Raise TimetableError for the first rule the cell breaks (see the module's list)."""
    if school_class.year.closed:  # a closed year is an archive (its lessons stay as held)
        raise TimetableError(_("This year is closed: its journal is read-only."))
    if weekday == 6 and school_class.days_per_week < 6:
        raise TimetableError(_("%(cls)s has a five-day week: no lessons on Saturday.",
                               cls=school_class.name))
    if not 1 <= weekday <= 6:
        raise TimetableError(_("Choose a day from Monday to Saturday."))
    if not pages:
        return
    if db.session.scalar(select(Bell.id).where(Bell.number == number)) is None:
        raise TimetableError(_("Lesson %(n)d has no bell: add it to the bells first.", n=number))
    for room in rooms:
        if len(room) > ROOM_MAX:
            raise TimetableError(_("The room is too long: at most %(n)d characters.",
                                   n=ROOM_MAX))
    _check_together(school_class, pages, rooms)
    _check_hours(period, weekday, number, pages)
    _check_elsewhere(school_class, period, weekday, number, pages, rooms)


def _check_together(school_class: SchoolClass, pages: list[SubjectPage],
                    rooms: list[str]) -> None:
    """Pages of the class, and several only as different subgroups with their own teachers
    and rooms."""
    for page in pages:
        if page.class_id != school_class.id:
            raise TimetableError(_("Choose a subject of %(cls)s.", cls=school_class.name))
    if len(pages) < 2:
        return
    groups = [p.subgroup_id for p in pages]
    if None in groups or len(set(groups)) < len(groups):
        raise TimetableError(_(
            "%(cls)s cannot have %(a)s and %(b)s at the same time: only different subgroups "
            "are taught at once.", cls=school_class.name, a=page_label(pages[0]),
            b=page_label(pages[1])))
    teachers = [p.teacher_id for p in pages]
    if len(set(teachers)) < len(teachers):
        teacher = next(p.teacher for p in pages if teachers.count(p.teacher_id) > 1)
        raise TimetableError(_("%(teacher)s cannot teach two groups at the same time.",
                               teacher=teacher.name))
    named = [r.casefold() for r in rooms if r]
    if len(set(named)) < len(named):
        raise TimetableError(_("Room %(room)s cannot hold two groups at the same time.",
                               room=next(r for r in rooms if r and named.count(r.casefold()) > 1)))


def _check_hours(period: StudyPeriod, weekday: int, number: int,
                 pages: list[SubjectPage]) -> None:
    """No page more often a week than its load (hours_per_week)."""
    rows = db.session.execute(select(TimetableSlot.page_id, TimetableSlot.weekday,
                                     TimetableSlot.lesson_number).where(
        TimetableSlot.page_id.in_([p.id for p in pages]), _overlapping(period),
        or_(TimetableSlot.weekday != weekday, TimetableSlot.lesson_number != number)))
    cells: dict[int, set[tuple[int, int]]] = {}
    for page_id, wd, n in rows:
        cells.setdefault(page_id, set()).add((wd, n))
    for page in pages:
        if len(cells.get(page.id, ())) + 1 > page.hours_per_week:
            raise TimetableError(_(
                "%(subject)s already has %(n)d lessons a week, as many as its load: remove "
                "one first.", subject=page_label(page), n=page.hours_per_week))


def _check_elsewhere(school_class: SchoolClass, period: StudyPeriod, weekday: int, number: int,
                     pages: list[SubjectPage], rooms: list[str]) -> None:
    """The teachers and rooms are free at that hour in every other class (one query)."""
    teachers = {p.teacher_id for p in pages}
    wanted = {r.casefold(): r for r in rooms if r}
    others = db.session.execute(
        select(TimetableSlot, SubjectPage).join(SubjectPage,
                                                SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.class_id != school_class.id, TimetableSlot.weekday == weekday,
               TimetableSlot.lesson_number == number, _overlapping(period))
        .options(joinedload(SubjectPage.teacher).joinedload(Staff.person))
        .order_by(TimetableSlot.id)).all()
    for _slot, other in others:
        if other.teacher_id in teachers:
            raise TimetableError(_(
                "%(teacher)s already teaches %(cls)s (%(subject)s) at this time.",
                teacher=other.teacher.name, cls=other.school_class.name,
                subject=page_label(other)))
    for slot, other in others:
        if slot.room and slot.room.casefold() in wanted:
            raise TimetableError(_("Room %(room)s is taken at this time by %(cls)s "
                                   "(%(subject)s).", room=slot.room,
                                   cls=other.school_class.name, subject=page_label(other)))


def page_label(page: SubjectPage, locale: str | None = None) -> str:
    """What a cell shows for a page: the subject in the language (the user's by default),
    with the subgroup's name if any."""
    name = page.subject.name(locale or _locale())
    return f"{name} ({page.subgroup.name})" if page.subgroup is not None else name


def _locale() -> str:
    from flask import has_request_context
    from flask_babel import get_locale
    return str(get_locale()) if has_request_context() else "ru"


def five_day_conflict(school_class: SchoolClass) -> str | None:
    """Why the class cannot have a five-day week now (Saturday lessons in its timetable), or
    None. The classes table checks it: a Saturday lesson in a five-day class is refused at
    every entrance, not only in the grid."""
    if school_class.id is None or school_class.days_per_week != 5:
        return None
    saturday = db.session.scalar(
        select(TimetableSlot.id).join(SubjectPage, SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.class_id == school_class.id, TimetableSlot.weekday == 6).limit(1))
    if saturday is None:
        return None
    return _("%(cls)s has Saturday lessons in its timetable: take them out before the class "
             "goes to a five-day week.", cls=school_class.name)
