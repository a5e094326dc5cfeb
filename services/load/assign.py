"""Assigning subject pages to teachers, and handing them over from a date.

A page's teachers over time are PageTeacher spans; SubjectPage.teacher_id is the teacher of
the open span, and services.policy decides edit access by it, so the teacher who handed the
page over stops editing it and the new one starts. Marks and lessons keep their author.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import (
    AcademicYear,
    CurriculumHours,
    PageTeacher,
    SchoolClass,
    Staff,
    Subgroup,
    Subject,
    SubjectPage,
    User,
    UserRole,
)
from services import audit, clock


class LoadError(ValueError):
    """A change of the teaching load the rules refuse; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def active_teacher(staff: Staff, day: dt.date) -> bool:
    """A member of staff with the teacher role who works at the school on that day."""
    if staff.left_on is not None and staff.left_on <= day:
        return False
    if staff.hired_on is not None and staff.hired_on > day:
        return False
    return db.session.scalar(
        select(UserRole.id).join(User, User.id == UserRole.user_id)
        .where(User.person_id == staff.person_id, UserRole.role == "teacher").limit(1)
    ) is not None


def _check_teacher(staff: Staff, day: dt.date) -> None:
    if not active_teacher(staff, day):
        raise LoadError(_("%(name)s is not a teacher working at the school on %(date)s.",
                          name=staff.name, date=day.strftime("%d.%m.%Y")), "teacher")


def _check_day(year: AcademicYear, day: dt.date) -> None:
    if year.closed:  # the closed year's pages keep the teachers who taught them
        raise LoadError(_("This year is closed: its journal is read-only."), "start")
    if not year.start_date <= day <= year.end_date:
        raise LoadError(_("Choose a day of the academic year %(name)s (%(start)s – %(end)s).",
                          name=year.name, start=year.start_date.strftime("%d.%m.%Y"),
                          end=year.end_date.strftime("%d.%m.%Y")), "start")


def curriculum_hours(school_class: SchoolClass, subject: Subject) -> int | None:
    """The weekly hours of the subject in the class's grade this year, if the curriculum
    has them."""
    return db.session.scalar(select(CurriculumHours.hours).where(
        CurriculumHours.year_id == school_class.year_id,
        CurriculumHours.grade == school_class.grade,
        CurriculumHours.subject_id == subject.id))


def assign(actor: User | None, school_class: SchoolClass, subject: Subject, teacher: Staff,
           start: dt.date, subgroup: Subgroup | None = None,
           hours: int | None = None) -> SubjectPage:
    """Create the page of a class (or one of its subgroups) in a subject, taught by the
    teacher from `start`; its weekly hours are the curriculum's unless given.

    Raises LoadError: a teacher not working then, a day outside the year, a subgroup of
    another class, a page that exists already, hours outside 0-12.
    """
    _check_day(school_class.year, start)
    _check_teacher(teacher, start)
    if subgroup is not None and subgroup.class_id != school_class.id:
        raise LoadError(_("The subgroup %(group)s is not a subgroup of %(cls)s.",
                          group=subgroup.name, cls=school_class.name), "subgroup")
    if _existing(school_class, subject, subgroup) is not None:
        raise LoadError(_("%(cls)s already has a page in %(subject)s%(group)s: hand it over "
                          "instead.", cls=school_class.name, subject=subject.name(str(get_locale())),
                          group=f" ({subgroup.name})" if subgroup else ""), "subject")
    if hours is None:
        hours = curriculum_hours(school_class, subject) or 0
    if not 0 <= hours <= 12:
        raise LoadError(_("Weekly hours go from 0 to 12."), "hours")
    page = SubjectPage(class_id=school_class.id, subgroup_id=subgroup.id if subgroup else None,
                       subject_id=subject.id, teacher_id=teacher.id, hours_per_week=hours)
    db.session.add(page)
    db.session.flush()
    db.session.add(PageTeacher(page_id=page.id, teacher_id=teacher.id, start_date=start))
    audit.record(actor, "subject_page", page.id, "assign",
                 {"teacher_id": teacher.id, "start": start, "hours": hours})
    return page


def _existing(school_class: SchoolClass, subject: Subject,
              subgroup: Subgroup | None) -> SubjectPage | None:
    # The unique constraint does not see two NULL subgroups as equal: ask.
    return db.session.scalar(select(SubjectPage).where(
        SubjectPage.class_id == school_class.id, SubjectPage.subject_id == subject.id,
        SubjectPage.subgroup_id.is_(None) if subgroup is None
        else SubjectPage.subgroup_id == subgroup.id).limit(1))


def spans_of(page: SubjectPage) -> list[PageTeacher]:
    """Who taught the page from when, oldest first."""
    return list(db.session.scalars(select(PageTeacher).where(PageTeacher.page_id == page.id)
                                   .order_by(PageTeacher.start_date)))


def hand_over(actor: User | None, page: SubjectPage, teacher: Staff,
              start: dt.date) -> PageTeacher:
    """The teacher takes the page over from `start`: the open span ends the day before, a
    new one opens, and the page's teacher changes (the old one can no longer edit it).
    Entries made so far keep their author.

    Raises LoadError: the same teacher, a teacher not working then, a day outside the year,
    a day not after the open span's start.
    """
    _check_day(page.school_class.year, start)
    if start > clock.today():
        # Edit access follows the page's teacher at once: a hand-over dated next week would
        # take this week's lessons from the teacher still giving them.
        raise LoadError(_("A hand-over takes effect at once: choose today or an earlier day, "
                          "and hand the page over on the day the new teacher starts."), "start")
    if teacher.id == page.teacher_id:
        raise LoadError(_("%(name)s already teaches this page.", name=teacher.name), "teacher")
    _check_teacher(teacher, start)
    current = _open_span(page)
    if start < current.start_date:
        raise LoadError(_("The page is taught by the present teacher since %(date)s: hand it "
                          "over from that day or later.",
                          date=current.start_date.strftime("%d.%m.%Y")), "start")
    old_teacher = page.teacher_id
    if start == current.start_date:
        # Handed over on the day the span began: the earlier teacher never taught it.
        current.teacher_id = teacher.id
        span = current
    else:
        current.end_date = start - dt.timedelta(days=1)
        span = PageTeacher(page_id=page.id, teacher_id=teacher.id, start_date=start)
        db.session.add(span)
    page.teacher_id = teacher.id
    db.session.flush()
    audit.record(actor, "subject_page", page.id, "hand_over",
                 {"from_teacher_id": old_teacher, "teacher_id": teacher.id, "start": start})
    return span


def _open_span(page: SubjectPage) -> PageTeacher:
    """The open span; a page made before spans were kept gets one from the year's start."""
    spans = spans_of(page)
    current = next((s for s in reversed(spans) if s.end_date is None), None)
    if current is None:
        start = spans[-1].end_date + dt.timedelta(days=1) if spans else \
            page.school_class.year.start_date
        current = PageTeacher(page_id=page.id, teacher_id=page.teacher_id, start_date=start)
        db.session.add(current)
        db.session.flush()
    return current


def hand_over_all(actor: User | None, old: Staff, new: Staff, start: dt.date,
                  year: AcademicYear) -> list[SubjectPage]:
    """Every page of `old` in the year goes to `new` from `start` (a teacher leaving
    mid-year). Raises LoadError as hand_over does, or when `old` has no pages; the caller
    rolls back then, so no page is handed over alone."""
    if old.id == new.id:
        raise LoadError(_("Choose two different teachers."), "new")
    pages = list(db.session.scalars(
        select(SubjectPage).join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .where(SubjectPage.teacher_id == old.id, SchoolClass.year_id == year.id)
        .order_by(SchoolClass.grade, SchoolClass.letter, SubjectPage.id)))
    if not pages:
        raise LoadError(_("%(name)s has no pages this year.", name=old.name), "old")
    for page in pages:
        hand_over(actor, page, new, start)
    return pages
