"""The class teacher's weekly attendance page: absences of a class in one week, and reasons.

The week loads in a fixed number of queries (pupils, then absences with their lesson and
subject). Reasons are health data (DOMAIN.md 9): views check policy.can_set_absence_reasons.
Nothing here commits.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from extensions import db
from models import (
    Attendance,
    Enrolment,
    Lesson,
    Person,
    Pupil,
    SchoolClass,
    SubjectPage,
    User,
)
from models.journal import ABSENCE_REASONS
from services import audit

DAYS_IN_WEEK = 6  # Monday to Saturday: schools with a six-day week fill Saturdays too
EXCUSED = frozenset({"illness", "family", "event", "excused"})
REASON_LABELS = {
    "illness": _l("Illness"),
    "family": _l("Family reasons"),
    "event": _l("School event"),
    "excused": _l("Other excused reason"),
    "unexcused": _l("Unexcused"),
}


class AbsenceError(ValueError):
    """A reason change the rules refuse."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass
class PupilWeek:
    """One row of the week: a pupil's absences per day and the week's summary."""

    pupil: Pupil
    number: int
    days: dict[dt.date, list[Attendance]] = field(default_factory=dict)

    def absences(self) -> list[Attendance]:
        return [a for day in self.days.values() for a in day]

    def day_reason(self, day: dt.date) -> str:
        """The reason shared by every absence of the day, or "" when mixed or unset."""
        reasons = {a.reason for a in self.days.get(day, [])}
        return (next(iter(reasons)) or "") if len(reasons) == 1 else ""

    @property
    def excused(self) -> int:
        return sum(1 for a in self.absences() if a.reason in EXCUSED)

    @property
    def unexcused(self) -> int:
        return sum(1 for a in self.absences() if a.reason == "unexcused")

    @property
    def unset(self) -> int:
        return sum(1 for a in self.absences() if a.reason is None)


@dataclass
class Week:
    school_class: SchoolClass
    monday: dt.date
    days: list[dt.date]
    rows: list[PupilWeek]

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)


def _week_pupils(school_class: SchoolClass, first: dt.date, last: dt.date) -> list[Pupil]:
    """Pupils enrolled in the class at some point of the week, alphabetically."""
    return list(db.session.scalars(
        select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id == school_class.id, Enrolment.start_date <= last,
               Enrolment.end_date.is_(None) | (Enrolment.end_date >= first))
        .order_by(Person.last_name, Person.first_name, Person.patronymic, Pupil.id)
        .distinct()))


def _absences(school_class: SchoolClass, first: dt.date, last: dt.date,
              pupil_ids: list[int] | None = None) -> list[Attendance]:
    """Absences on lessons of the class's pages in the dates, with lesson and subject loaded."""
    query = (select(Attendance).join(Attendance.lesson).join(Lesson.page)
             .options(contains_eager(Attendance.lesson).contains_eager(Lesson.page))
             .where(SubjectPage.class_id == school_class.id, Lesson.date >= first,
                    Lesson.date <= last, Attendance.status == "absent")
             .order_by(Lesson.date, Lesson.lesson_number))
    if pupil_ids is not None:
        query = query.where(Attendance.pupil_id.in_(pupil_ids))
    return list(db.session.scalars(query))


def load_week(school_class: SchoolClass, day: dt.date,
              pupil_ids: list[int] | None = None) -> Week:
    """Pupils x days (Mon-Sat) of a class with each absence; three queries whatever the size.

    pupil_ids limits the rows (a fragment answer for one pupil).
    """
    monday = week_start(day)
    days = [monday + dt.timedelta(days=i) for i in range(DAYS_IN_WEEK)]
    pupils = _week_pupils(school_class, days[0], days[-1])
    rows = {p.id: PupilWeek(p, n, {d: [] for d in days}) for n, p in enumerate(pupils, start=1)
            if pupil_ids is None or p.id in pupil_ids}
    for absence in _absences(school_class, days[0], days[-1], list(rows)):
        rows[absence.pupil_id].days[absence.lesson.date].append(absence)
    return Week(school_class, monday, days, list(rows.values()))


def _set(absence: Attendance, reason: str | None, user: User) -> bool:
    if absence.reason == reason:
        return False
    audit.write_rows([audit.journal_row(
        user, "absence.reason", "attendance", absence.id, absence.pupil_id,
        absence.reason or "", reason or "", page=absence.lesson.page, lesson=absence.lesson)])
    absence.reason, absence.reason_set_by = reason, user.id
    return True


def _check_reason(reason: str | None) -> str | None:
    reason = reason or None
    if reason is not None and reason not in ABSENCE_REASONS:
        raise AbsenceError(_("Choose a reason from the list."))
    return reason


def absence_of_class(school_class: SchoolClass, attendance_id: int) -> Attendance | None:
    """An absence on a lesson of this class, or None (so ids of other classes stay unknown)."""
    return db.session.scalar(
        select(Attendance).join(Attendance.lesson).join(Lesson.page)
        .where(Attendance.id == attendance_id, SubjectPage.class_id == school_class.id,
               Attendance.status == "absent"))


def _check_open(school_class: SchoolClass) -> None:
    """A closed year's journal is read-only (the year close, 000 4.1.4): reasons too."""
    if school_class.year.closed:
        raise AbsenceError(_("This year is closed: its journal is read-only."))


def set_reason(absence: Attendance, reason: str | None, user: User) -> bool:
    """Set (or clear with "") the reason of one absence; logs the change. True if changed."""
    _check_open(absence.lesson.page.school_class)
    return _set(absence, _check_reason(reason), user)


def set_day_reason(school_class: SchoolClass, pupil_id: int, day: dt.date,
                   reason: str | None, user: User) -> int:
    """Give every absence of a pupil on one day the same reason; returns how many changed."""
    _check_open(school_class)
    reason = _check_reason(reason)
    return sum(_set(a, reason, user) for a in _absences(school_class, day, day, [pupil_id]))
