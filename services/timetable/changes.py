"""One-day changes of the timetable: a lesson moved, cancelled or added, without touching
the weekly timetable (issue 16).

A moved lesson keeps where it came from (origin_date, origin_number), so regeneration never
puts a lesson back in its old place; a cancelled lesson stays as a row (cancelled=True) that
the journal grid and the diary skip and regeneration never brings back. A lesson with marks
or attendance cannot be cancelled: the pupils' data would disappear from the journal.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import exists, select

from extensions import db
from models import Attendance, Bell, Lesson, Mark, SubjectPage, User
from services import lessons as lesson_service
from services import school as school_service
from services.calendar import calendar_for
from services.notices import produce as notices
from services.timetable.week import TimetableError, page_label


def move_lesson(lesson: Lesson, day: dt.date, number: int) -> Lesson:
    """Move a lesson to another day and/or lesson number, remembering its first place.

    Raises TimetableError when the lesson is cancelled or the new place is not free (see
    _check_place).
    """
    _check_open(lesson.page)
    if lesson.cancelled:
        raise TimetableError(_("A cancelled lesson cannot be moved: restore it first."))
    if (day, number) == (lesson.date, lesson.lesson_number):
        raise TimetableError(_("Choose another day or lesson number."))
    _check_place(lesson.page, day, number, ignore=lesson.id)
    if lesson.origin_date is None:
        lesson.origin_date, lesson.origin_number = lesson.date, lesson.lesson_number
    elif (day, number) == (lesson.origin_date, lesson.origin_number):
        lesson.origin_date = lesson.origin_number = None  # back in its own place
    lesson.date, lesson.lesson_number = day, number
    db.session.flush()
    notices.lessons_changed([lesson.id])  # moved past today or cancelled: its notices follow
    return lesson


def cancel_lesson(lesson: Lesson) -> Lesson:
    """Cancel a lesson for its day. Raises TimetableError when it has marks or attendance."""
    _check_open(lesson.page)
    held = db.session.scalar(select(
        exists().where(Mark.lesson_id == lesson.id) | exists().where(
            Attendance.lesson_id == lesson.id)))
    if held:
        raise TimetableError(_("This lesson has marks or absences: it was held and cannot be "
                               "cancelled. Move it instead."))
    lesson.cancelled = True
    db.session.flush()
    notices.lessons_changed([lesson.id])  # moved past today or cancelled: its notices follow
    return lesson


def restore_lesson(lesson: Lesson) -> Lesson:
    """Undo a cancellation. Raises TimetableError when the place is taken meanwhile."""
    _check_open(lesson.page)
    if not lesson.cancelled:
        return lesson
    _check_place(lesson.page, lesson.date, lesson.lesson_number, ignore=lesson.id)
    lesson.cancelled = False
    db.session.flush()
    notices.lessons_changed([lesson.id])  # moved past today or cancelled: its notices follow
    return lesson


def add_extra(page: SubjectPage, day: dt.date, number: int, user: User) -> Lesson:
    """An extra lesson outside the timetable (is_extra) at a free place of a school day.

    Raises TimetableError for a place that is not free, LessonError (services.lessons) for
    a closed page or a day outside the periods.
    """
    _check_open(page)
    _check_place(page, day, number)
    return lesson_service.add_extra_lesson(page, day, number, user)


def _check_open(page: SubjectPage) -> None:
    """A closed year is an archive: its lessons are not moved, cancelled or added to."""
    if page.school_class.year.closed:
        raise TimetableError(_("This year is closed: its journal is read-only."))


def _check_place(page: SubjectPage, day: dt.date, number: int, ignore: int | None = None) -> None:
    """The class has a lesson there on a school day, with a bell, and neither the class nor
    the teacher has another lesson then (cancelled ones free their place)."""
    cls = page.school_class
    if not any(p.contains(day) for p in school_service.periods_of(cls)) or \
            not calendar_for(cls.year).is_school_day(day, cls.grade, cls.days_per_week):
        raise TimetableError(_("%(day)s is not a school day of %(cls)s.",
                               day=format_date(day, "short"), cls=cls.name))
    if db.session.scalar(select(Bell.id).where(Bell.number == number)) is None:
        raise TimetableError(_("Lesson %(n)d has no bell: add it to the bells first.", n=number))
    busy = db.session.execute(
        select(Lesson, SubjectPage).join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(Lesson.date == day, Lesson.lesson_number == number, Lesson.cancelled.is_(False),
               Lesson.id != (ignore or 0),
               (SubjectPage.class_id == cls.id) | (SubjectPage.teacher_id == page.teacher_id))
        .order_by(Lesson.id)).all()
    for _lesson, other in busy:
        if other.class_id == cls.id and not _subgroups_apart(page, other):
            raise TimetableError(_("%(cls)s already has %(subject)s then.", cls=cls.name,
                                   subject=page_label(other)))
        if other.teacher_id == page.teacher_id:
            raise TimetableError(_("%(teacher)s already teaches %(cls)s (%(subject)s) then.",
                                   teacher=page.teacher.name, cls=other.school_class.name,
                                   subject=page_label(other)))


def _subgroups_apart(page: SubjectPage, other: SubjectPage) -> bool:
    """Two different subgroups of a class may have lessons at the same time."""
    return (page.subgroup_id is not None and other.subgroup_id is not None
            and page.subgroup_id != other.subgroup_id)
