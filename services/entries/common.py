"""What the journal's writes share: the column's work type, the lock check, plain Core
statements on the session's connection, the audit row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from extensions import db
from models import Correction, Lesson, School, SubjectPage, User, WorkType
from services import audit as audit_service
from services import journal as rules
from services.journal import JournalError


def column_work_type(lesson: Lesson, school: School) -> WorkType | None:
    """The lesson's own work type, else the school's default one."""
    if lesson.work_type is not None:
        return lesson.work_type
    return default_work_type(school)



def default_work_type(school: School) -> WorkType | None:
    return db.session.scalar(select(WorkType).where(WorkType.code == school.default_work_type_code))


def check_lock(school: School, page: SubjectPage, lesson: Lesson, wt: WorkType | None,
               today: dt.date, *, marks: bool) -> None:
    """Refuse (403) a change the lesson's edit window no longer allows."""
    lock = rules.lesson_lock(school, page, lesson, wt, today, marks=marks)
    if not lock.open:
        raise JournalError(lock.reason, 403)


def core():
    # Plain Core statements on the session's connection (same transaction): no ORM-enabled
    # insert/update machinery for rows no loaded object mirrors.
    return db.session.connection()


def lenient(school: School) -> School:
    # What the page showed may be a mark of 1 the school has since stopped allowing.
    return School(allow_mark_one=True, no_marks_grades=school.no_marks_grades)


def audit(user: User, action: str, object_type: str, object_id: int | None,
          pupil_id: int | None, old: str, new: str, *, page: SubjectPage,
          lesson: Lesson | None = None, correction: Correction | None = None,
          period_id: int | None = None) -> None:
    """One audit row, as a Core insert: one statement, no unit-of-work bookkeeping. A row
    written by applying a correction names it, and the applier's role there."""
    audit_service.write_rows([audit_service.journal_row(
        user, action, object_type, object_id, pupil_id, old, new, page=page, lesson=lesson,
        role=correction_role(user) if correction else None,
        correction_id=correction.id if correction else None, period_id=period_id)])


def correction_role(user: User) -> str:
    """Corrections are applied by a deputy, or by the administrator on a deputy's order."""
    return "deputy" if user.has_role("deputy") else "admin"
