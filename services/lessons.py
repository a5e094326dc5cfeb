"""Lesson details: topic, homework, work type, substitute, ICT; extra lessons; the next plan topic.

Views authorise with services.policy first; the rules here are about the data (lengths, the
year being closed, dates of the academic year) and raise LessonError with a translated message.
Nothing here commits.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from extensions import db
from models import (
    Lesson,
    Mark,
    PlanItem,
    Staff,
    SubjectPage,
    TimetableSlot,
    User,
    UserRole,
    WorkType,
)
from services import audit, clock, entries, lesson_gen
from services import school as school_service
from services.journal import JournalError
from services.notices import produce as notices

TOPIC_MAX = 300
HOMEWORK_MAX = 2000


class LessonError(ValueError):
    """A lesson change the rules refuse; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class LessonInput:
    """What the lesson panel sends, already parsed into plain values."""

    topic: str = ""
    homework: str = ""
    work_type_id: int | None = None
    substitute_id: int | None = None
    plan_item_id: int | None = None
    ict_used: bool = False
    homework_due: dt.date | None = None  # None: the page's next lesson


def is_attendance_only(page: SubjectPage) -> bool:
    """Grades of the school's "no marks" setting keep attendance only: no homework, no marks."""
    school = school_service.the_school()
    return school is not None and page.school_class.grade in school.no_marks_grade_set()


def closed_reason(page: SubjectPage) -> str | None:
    """Why nobody may change lessons of this page any more, or None (001 3.7).

    Same rule as services.journal.page_closed: closed from year_closed_on on.
    """
    if page.year_closed_on is not None and clock.today() >= page.year_closed_on:
        return _("Year marks are final on this page since %(day)s: lessons can no longer be "
                 "changed. A deputy director can make a correction.",
                 day=format_date(page.year_closed_on, "short"))
    return None


def plan_items_for(page: SubjectPage) -> list[PlanItem]:
    """The topics of the page teacher's plan for the page's subject and grade, by number."""
    return list(db.session.scalars(select(PlanItem).where(
        PlanItem.teacher_id == page.teacher_id, PlanItem.subject_id == page.subject_id,
        PlanItem.grade == page.school_class.grade).order_by(PlanItem.number)))


def next_plan_item(lesson: Lesson, items: list[PlanItem]) -> PlanItem | None:
    """The topic the plan suggests for a lesson: its own, else the one after the last used.

    A topic planned for N hours is suggested until N earlier lessons of the page used it.
    """
    if not items:
        return None
    by_id = {item.id: item for item in items}
    if lesson.plan_item_id in by_id:
        return by_id[lesson.plan_item_id]
    earlier = (Lesson.date < lesson.date) | (
        (Lesson.date == lesson.date) & (Lesson.lesson_number < lesson.lesson_number))
    last_id = db.session.scalar(
        select(Lesson.plan_item_id).where(Lesson.page_id == lesson.page_id,
                                          Lesson.plan_item_id.is_not(None), earlier)
        .order_by(Lesson.date.desc(), Lesson.lesson_number.desc()).limit(1))
    last = by_id.get(last_id)
    if last is None:
        return items[0]
    used = db.session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.page_id == lesson.page_id, Lesson.plan_item_id == last.id, earlier)) or 0
    if used < last.hours:
        return last
    return next((item for item in items if item.number > last.number), None)


def substitute_candidates(page: SubjectPage) -> list[Staff]:
    """Active teachers who may stand in for the page's teacher, by name."""
    today = clock.today()
    rows = db.session.scalars(
        select(Staff).join(User, User.person_id == Staff.person_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "teacher", User.active, Staff.id != page.teacher_id,
               Staff.left_on.is_(None) | (Staff.left_on > today)))
    return sorted(set(rows), key=lambda s: s.person.short_name)


def work_types() -> list[WorkType]:
    """Every work type, in the school's order."""
    return list(db.session.scalars(select(WorkType).order_by(WorkType.position, WorkType.id)))


def marks_work_types(lesson: Lesson) -> list[tuple[WorkType, int]]:
    """The work types of the marks given in this lesson, with how many marks of each."""
    rows = db.session.execute(
        select(WorkType, func.count(Mark.id)).join(Mark, Mark.work_type_id == WorkType.id)
        .where(Mark.lesson_id == lesson.id).group_by(WorkType.id)
        .order_by(WorkType.position, WorkType.id))
    return [(wt, n) for wt, n in rows.all()]


def _set_work_type(lesson: Lesson, work_type_id: int | None, user: User) -> None:
    school = school_service.the_school()
    wt = db.session.get(WorkType, work_type_id) if work_type_id is not None else None
    try:
        entries.set_work_type(user, school, lesson.page, lesson, wt, clock.today(),
                              log=False)
    except JournalError as error:
        raise LessonError(error.message, "work_type_id") from None


def next_lesson_date(lesson: Lesson) -> dt.date | None:
    """The date of the page's next lesson after this one: in the journal, else in the
    timetable of the next three weeks."""
    found = db.session.scalar(select(func.min(Lesson.date)).where(
        Lesson.page_id == lesson.page_id, Lesson.date > lesson.date))
    if found is not None:
        return found
    start, end = lesson.date + dt.timedelta(days=1), lesson.date + dt.timedelta(days=21)
    slots = db.session.execute(select(
        TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.valid_from,
        TimetableSlot.valid_to).where(TimetableSlot.page_id == lesson.page_id)).all()
    dates = lesson_gen.timetable_dates([tuple(s) for s in slots], start, end)
    return min((d for d, _n in dates), default=None)


def _due_date(lesson: Lesson, data: LessonInput) -> dt.date | None:
    """The day the homework is due: the teacher's choice (after the lesson, within the
    academic year), else the page's next lesson."""
    if data.homework_due is None:
        return next_lesson_date(lesson)
    year = lesson.page.school_class.year
    if data.homework_due <= lesson.date:
        raise LessonError(_("Homework is due after the lesson it is given at."), "homework_due")
    if data.homework_due > year.end_date:
        raise LessonError(_("Homework is due within the academic year (until %(day)s).",
                            day=format_date(year.end_date, "short")), "homework_due")
    return data.homework_due


def _snapshot(lesson: Lesson) -> dict:
    return {"topic": lesson.topic, "homework": lesson.homework,
            "homework_due": lesson.homework_due.isoformat() if lesson.homework_due else None,
            "work_type_id": lesson.work_type_id, "substitute_id": lesson.substitute_id,
            "plan_item_id": lesson.plan_item_id, "ict_used": lesson.ict_used}


def _check(lesson: Lesson, data: LessonInput, may_set_substitute: bool) -> None:
    """Raise LessonError for the first value the rules refuse."""
    page = lesson.page
    if len(data.topic) > TOPIC_MAX:
        raise LessonError(_("The topic is too long: at most %(n)d characters.", n=TOPIC_MAX),
                          "topic")
    if len(data.homework) > HOMEWORK_MAX:
        raise LessonError(_("The homework is too long: at most %(n)d characters.",
                            n=HOMEWORK_MAX), "homework")
    if data.work_type_id is not None and db.session.get(WorkType, data.work_type_id) is None:
        raise LessonError(_("Choose a work type from the list."), "work_type_id")
    if data.plan_item_id is not None and data.plan_item_id not in {
            item.id for item in plan_items_for(page)}:
        raise LessonError(_("Choose a topic from the plan of this subject and grade."),
                          "plan_item_id")
    if data.substitute_id != lesson.substitute_id:
        if not may_set_substitute:
            raise LessonError(_("Only the teacher of the page can choose a substitute."),
                              "substitute_id")
        if data.substitute_id is not None and data.substitute_id not in {
                s.id for s in substitute_candidates(page)}:
            raise LessonError(_("Choose a substitute teacher from the list."), "substitute_id")


def update_lesson(lesson: Lesson, data: LessonInput, user: User, *,
                  may_set_substitute: bool) -> bool:
    """Apply the panel's values to a lesson and log the change; True when something changed.

    A topic picked from the plan fills an empty topic. Homework is due at the page's next
    lesson unless the teacher picks another day. In attendance-only grades homework and the
    work type are left as they are. The work type changes by the journal's own rule
    (entries.set_work_type: not once the marks are locked). Raises LessonError (with the
    field) when refused.
    """
    reason = closed_reason(lesson.page)
    if reason:
        raise LessonError(reason)
    data.topic, data.homework = data.topic.strip(), data.homework.strip()
    _check(lesson, data, may_set_substitute)
    if data.plan_item_id is not None and not data.topic:
        data.topic = db.session.get(PlanItem, data.plan_item_id).topic
    old = _snapshot(lesson)
    lesson.topic, lesson.plan_item_id = data.topic, data.plan_item_id
    lesson.substitute_id, lesson.ict_used = data.substitute_id, data.ict_used
    if not is_attendance_only(lesson.page):
        lesson.homework = data.homework
        lesson.homework_due = _due_date(lesson, data) if data.homework else None
        _set_work_type(lesson, data.work_type_id, user)
    new = _snapshot(lesson)
    changed = {k: v for k, v in new.items() if old[k] != v}
    if changed:
        _audit(user, "lesson.update", lesson, {k: old[k] for k in changed}, changed)
    if "homework" in changed:
        db.session.flush()
        notices.lessons_changed([lesson.id])
    return bool(changed)


def _audit(user: User | None, action: str, lesson: Lesson, old: dict, new: dict) -> None:
    audit.write_rows([audit.journal_row(
        user, action, "lesson", lesson.id, None,
        json.dumps(old, ensure_ascii=False, sort_keys=True),
        json.dumps(new, ensure_ascii=False, sort_keys=True), page=lesson.page, lesson=lesson)])


def _saturday_is_school_day(page: SubjectPage, day: dt.date) -> bool:
    """A six-day school week: some page of the class has a Saturday timetable slot then."""
    return db.session.scalar(
        select(TimetableSlot.id).join(SubjectPage, SubjectPage.id == TimetableSlot.page_id)
        .where(SubjectPage.class_id == page.class_id, TimetableSlot.weekday == 6,
               TimetableSlot.valid_from <= day, TimetableSlot.valid_to >= day).limit(1)
    ) is not None


def add_extra_lesson(page: SubjectPage, day: dt.date, number: int, user: User) -> Lesson:
    """Add a lesson outside the timetable (is_extra) on a school day of the class's periods.

    Raises LessonError for a closed page, a date outside the study periods, a weekend or a
    lesson that already exists on that date with that number.
    """
    reason = closed_reason(page)
    if reason:
        raise LessonError(reason)
    if not 0 <= number <= 12:
        raise LessonError(_("The lesson number must be from 0 to 12."), "number")
    if not any(p.contains(day) for p in school_service.periods_of(page.school_class)):
        raise LessonError(_("%(day)s is not in a study period of this class (holidays or "
                            "another academic year).", day=format_date(day, "short")), "day")
    if day.isoweekday() == 7 or (day.isoweekday() == 6
                                 and not _saturday_is_school_day(page, day)):
        raise LessonError(_("%(day)s is a day off: choose a school day.",
                            day=format_date(day, "short")), "day")
    exists = db.session.scalar(select(Lesson.id).where(
        Lesson.page_id == page.id, Lesson.date == day, Lesson.lesson_number == number))
    if exists is not None:
        raise LessonError(_("This page already has lesson %(n)d on %(day)s.", n=number,
                            day=format_date(day, "short")), "number")
    lesson = Lesson(page_id=page.id, date=day, lesson_number=number, is_extra=True)
    db.session.add(lesson)
    db.session.flush()
    _audit(user, "lesson.add_extra", lesson, {},
           {"date": day.isoformat(), "lesson_number": number, "page_id": page.id})
    return lesson
