"""Lessons are generated from the timetable of the period (issues 3 and 16).

Each TimetableSlot says a page is taught on a weekday as lesson number N between two dates;
the journal needs one Lesson row per such date that is a school day of the class
(services.calendar: no holidays, no Sundays, no Saturdays in a five-day week) inside one of
its study periods. Generation runs when the timetable or the periods change, never when a
page is read.

Regeneration is safe: a lesson the timetable no longer has is deleted only when it holds
nothing (no marks, attendance, topic, homework, work type, substitute, plan topic, ICT);
the others are kept and listed for the administrator to move or keep. Cancelled lessons and
moved ones (origin_date) stay as they are, and the timetable never brings them back; extra
lessons (is_extra) are not the timetable's.

A whole school is a fixed number of queries: the pages, the slots, the periods, the holidays
of each year, the lessons with a flag for their data, then one bulk insert and chunked deletes.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, insert, or_, select

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Lesson,
    Mark,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    TimetableSlot,
)
from services.calendar import SchoolCalendar, forget, load_calendar

CHUNK = 500  # ids per DELETE: far below SQLite's limit of bound variables


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


@dataclass(frozen=True)
class KeptLesson:
    """A lesson the timetable no longer has but that holds data: for the administrator."""

    id: int
    page_id: int
    date: dt.date
    number: int


@dataclass(frozen=True)
class Stale:
    """A journal lesson the timetable no longer has (not extra, moved or cancelled)."""

    id: int
    page_id: int
    date: dt.date
    lesson_number: int


@dataclass
class Regeneration:
    """What a regeneration did."""

    added: int = 0
    deleted: int = 0
    kept: list[KeptLesson] = field(default_factory=list)


def _has_data():
    """True for a lesson that holds anything a person entered."""
    return or_(Lesson.topic != "", Lesson.homework != "", Lesson.work_type_id.is_not(None),
               Lesson.substitute_id.is_not(None), Lesson.plan_item_id.is_not(None),
               Lesson.ict_used.is_(True),
               exists().where(Mark.lesson_id == Lesson.id),
               exists().where(Attendance.lesson_id == Lesson.id))


def regenerate(classes: list[SchoolClass], start: dt.date, end: dt.date) -> Regeneration:
    """Bring the lessons of these classes' pages in [start, end] in line with the timetable.

    Only days inside the classes' study periods count. Raises nothing; does not commit.
    """
    result = Regeneration()
    classes = [c for c in classes if not c.year.closed]  # a closed year is an archive
    if not classes:
        return result
    missing, stale = compare(classes, start, end)
    if missing:
        db.session.execute(insert(Lesson), [
            {"page_id": p, "date": d, "lesson_number": n, "topic": "", "homework": "",
             "ict_used": False, "is_extra": False, "cancelled": False} for p, d, n in missing])
    result.added = len(missing)
    held = _holding_data([r.id for r in stale])
    gone = [r.id for r in stale if r.id not in held]
    for i in range(0, len(gone), CHUNK):
        db.session.execute(delete(Lesson).where(Lesson.id.in_(gone[i:i + CHUNK])))
    result.deleted = len(gone)
    result.kept = [KeptLesson(r.id, r.page_id, r.date, r.lesson_number)
                   for r in stale if r.id in held]
    return result


def _holding_data(ids: list[int]) -> set[int]:
    """The lessons among ids that hold data (one query per CHUNK ids; none when empty)."""
    held: set[int] = set()
    for i in range(0, len(ids), CHUNK):
        held.update(db.session.scalars(select(Lesson.id).where(
            Lesson.id.in_(ids[i:i + CHUNK]), _has_data())))
    return held


@dataclass
class Known:
    """What a caller already read: pages (id -> class id) and their slots overlapping the
    dates as (page id, weekday, number, valid_from, valid_to)."""

    pages: dict[int, int]
    slots: list[tuple]

    @classmethod
    def of_week(cls, week) -> Known:
        """From a services.timetable Week (its pages and the slots of its period)."""
        return cls({p.id: p.class_id for p in week.pages},
                   [(s.page_id, s.weekday, s.lesson_number, s.valid_from, s.valid_to)
                    for slots in week.cells.values() for s in slots])


def compare(classes: list[SchoolClass], start: dt.date, end: dt.date,
            known: Known | None = None) -> tuple[list, list]:
    """What the timetable lacks and has too many of, without writing: (page, date, number)
    to add, and the journal's lessons (rows) the timetable no longer has."""
    by_class = {c.id: c for c in classes}
    if known is not None:
        pages = known.pages
    else:
        pages = dict(db.session.execute(select(SubjectPage.id, SubjectPage.class_id).where(
            SubjectPage.class_id.in_(list(by_class)))).all()) if classes else {}
    if not pages:
        return [], []
    wanted = _wanted(pages, _lesson_days(classes, start, end), start, end,
                     known.slots if known is not None else None)
    # Plain tuples: a year of a school is tens of thousands of rows, and a Row's attribute
    # lookups were most of the time of this function.
    lessons = [tuple(r) for r in db.session.execute(
        select(Lesson.id, Lesson.page_id, Lesson.date, Lesson.lesson_number, Lesson.cancelled,
               Lesson.is_extra, Lesson.origin_date, Lesson.origin_number)
        .where(Lesson.page_id.in_(list(pages)), Lesson.date >= start, Lesson.date <= end)
        .order_by(Lesson.date, Lesson.lesson_number, Lesson.page_id))]
    present = {(page, day, num) for _id, page, day, num, *_rest in lessons}
    # A moved lesson still stands for its old place: the timetable must not refill it.
    present |= {(r[1], r[6], r[7]) for r in lessons if r[6] is not None}
    missing = sorted(wanted - present, key=lambda k: (k[1], k[2], k[0]))
    stale = [Stale(i, page, day, num) for i, page, day, num, cancelled, extra, origin, _n
             in lessons if not (cancelled or extra or origin is not None)
             and (page, day, num) not in wanted]
    return missing, stale


def kept_lessons(school_class: SchoolClass, period: StudyPeriod,
                 known: Known | None = None) -> list[KeptLesson]:
    """Lessons with data the class's timetable no longer has in the period (read only)."""
    _missing, stale = compare([school_class], period.start_date, period.end_date, known)
    held = _holding_data([r.id for r in stale])
    return [KeptLesson(r.id, r.page_id, r.date, r.lesson_number) for r in stale if r.id in held]


def _lesson_days(classes: list[SchoolClass], start: dt.date,
                 end: dt.date) -> dict[int, set[dt.date]]:
    """The school days in [start, end] inside each class's study periods (two queries per
    year: its periods and its holidays)."""
    out: dict[int, set[dt.date]] = {}
    years = {c.year_id: c.year for c in classes}  # from the session when already loaded
    for year in years.values():
        calendar = load_calendar(year)
        periods = db.session.scalars(select(StudyPeriod).where(
            StudyPeriod.year_id == year.id, StudyPeriod.start_date <= end,
            StudyPeriod.end_date >= start)).all()
        for cls in (c for c in classes if c.year_id == year.id):
            out[cls.id] = _days_of(calendar, cls, [p for p in periods
                                                   if p.scheme == cls.period_scheme],
                                   start, end)
    return out


def _days_of(calendar: SchoolCalendar, cls: SchoolClass, periods: list[StudyPeriod],
             start: dt.date, end: dt.date) -> set[dt.date]:
    days: set[dt.date] = set()
    for period in periods:
        days.update(calendar.school_days(max(start, period.start_date),
                                         min(end, period.end_date), cls.grade,
                                         cls.days_per_week))
    return days


def _wanted(pages: dict[int, int], days: dict[int, set[dt.date]], start: dt.date,
            end: dt.date, slots: list[tuple] | None = None) -> set[tuple[int, dt.date, int]]:
    """(page, date, number) the timetable asks for on the classes' school days."""
    if slots is None:
        slots = db.session.execute(
            select(TimetableSlot.page_id, TimetableSlot.weekday, TimetableSlot.lesson_number,
                   TimetableSlot.valid_from, TimetableSlot.valid_to)
            .where(TimetableSlot.page_id.in_(list(pages)), TimetableSlot.valid_from <= end,
                   TimetableSlot.valid_to >= start)).all()
    by_page: dict[int, list[tuple]] = defaultdict(list)
    for page_id, *slot in slots:
        by_page[page_id].append(tuple(slot))
    wanted: set[tuple[int, dt.date, int]] = set()
    for page_id, page_slots in by_page.items():
        school_days = days.get(pages[page_id], set())
        wanted.update((page_id, d, n) for d, n in timetable_dates(page_slots, start, end)
                      if d in school_days)
    return wanted


def regenerate_period(school_class: SchoolClass, period: StudyPeriod) -> Regeneration:
    """The class's lessons of one period, after its timetable changed."""
    return regenerate([school_class], period.start_date, period.end_date)


def regenerate_year(year: AcademicYear) -> Regeneration:
    """Every class's lessons of a year, after its periods or holidays changed."""
    classes = list(db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)))
    return regenerate(classes, year.start_date, year.end_date)



def follow_calendar(row) -> Regeneration:
    """After a year, a period, a holiday or a class (its week, its periods) changed in the
    back office: the journal's lessons follow, with every lesson that holds data kept.
    row None (an import of many rows): every open year."""
    forget()
    if isinstance(row, SchoolClass):
        return regenerate([row], row.year.start_date, row.year.end_date)
    if isinstance(row, AcademicYear):
        years = [row]
    elif row is not None:
        years = [db.session.get(AcademicYear, row.year_id)]
    else:
        years = list(db.session.scalars(select(AcademicYear).where(
            AcademicYear.closed.is_(False))))
    result = Regeneration()
    for year in years:
        if year is None:
            continue
        done = regenerate_year(year)
        result.added, result.deleted = result.added + done.added, result.deleted + done.deleted
        result.kept += done.kept
    return result
