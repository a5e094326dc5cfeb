"""Whole columns of the journal: a lesson's attendance, a mark for everyone, the work type."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, insert, literal, null, select, union_all, update

from extensions import db
from models import Attendance, Lesson, Mark, Pupil, School, SubjectPage, User, WorkType
from services import audit as audit_service
from services import grid as grid_service
from services import journal as rules
from services.entries.common import audit, check_lock, column_work_type, default_work_type
from services.journal import CellValue, JournalError
from services.notices import produce as notices


@dataclass
class ColumnChange:
    """What a whole-column action did: the pupils on the page that day, the new attendance
    (take_attendance) or the pupils who got the mark (fill_column)."""

    pupils: list[Pupil]
    attendance: dict[int, str] = field(default_factory=dict)
    given: list[int] = field(default_factory=list)


def _column_pupils(page: SubjectPage, lesson: Lesson) -> list[Pupil]:
    return grid_service.page_pupils(page, lesson.date, lesson.date)


def take_attendance(user: User, school: School, page: SubjectPage, lesson: Lesson,
                    absent: list[int], today: dt.date) -> ColumnChange:
    """Everyone present except `absent`: one request, a handful of statements for any class.

    Late arrivals already recorded stay unless the pupil is now listed absent. Raises
    JournalError when locked or a pupil is not on the page.
    """
    check_lock(school, page, lesson, None, today, marks=False)
    pupils = _column_pupils(page, lesson)
    on_page = {p.id for p in pupils}
    if not set(absent) <= on_page:
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    before, kept = _column_cells(lesson)
    wanted = {p: "absent" for p in absent}
    wanted.update({p: s for p, s in before.items() if s == "late" and p not in wanted})
    drop = [p for p, s in before.items() if wanted.get(p) != s]
    if drop:
        db.session.execute(delete(Attendance).where(Attendance.lesson_id == lesson.id,
                                                    Attendance.pupil_id.in_(drop)))
    add = [p for p, s in wanted.items() if before.get(p) != s]
    if add:
        db.session.execute(insert(Attendance), [
            {"lesson_id": lesson.id, "pupil_id": p, "status": wanted[p]} for p in add])
    # One audit row per pupil whose cell changed (one INSERT): the cell's history lists it,
    # as the whole cell's text ("4" → "н4"), marks and comment included.
    changed = sorted(set(drop) | set(add))
    audit_service.write_rows([audit_service.journal_row(
        user, "journal.attendance", "lesson", lesson.id, p,
        CellValue(before.get(p)).text() + kept.get(p, ""),
        CellValue(wanted.get(p)).text() + kept.get(p, ""), page=page,
        lesson=lesson) for p in changed])
    if changed:
        notices.lessons_changed([lesson.id], changed)
    return ColumnChange(pupils, attendance=wanted)


def _column_cells(lesson: Lesson) -> tuple[dict[int, str], dict[int, str]]:
    """The column's attendance ({pupil: status}) and the marks part of each cell ("5/4
    «comment»"), which attendance leaves as it is: one statement for both."""
    rows = db.session.execute(union_all(
        select(Attendance.pupil_id, Attendance.status, null().label("value"),
               literal("").label("comment"), literal(0).label("position"))
        .where(Attendance.lesson_id == lesson.id),
        select(Mark.pupil_id, null(), Mark.value, Mark.comment, Mark.position)
        .where(Mark.lesson_id == lesson.id)).order_by("pupil_id", "position")).all()
    status = {r.pupil_id: r.status for r in rows if r.value is None}
    marks: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        if row.value is not None:
            marks.setdefault(row.pupil_id, []).append((row.value, row.comment))
    return status, {p: "/".join(str(v) for v, _c in m) + (f" «{m[0][1]}»" if m[0][1] else "")
                    for p, m in marks.items()}


def fill_column(user: User, school: School, page: SubjectPage, lesson: Lesson, value: int,
                today: dt.date) -> ColumnChange:
    """Give one mark to every pupil present without one (a dictation everybody wrote).

    Raises JournalError when locked or the mark is invalid.
    """
    if value not in rules.mark_values(school, page.school_class):
        rules.parse_cell(str(value), school, page.school_class)  # the out-of-range message
    if rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    wt = column_work_type(lesson, school)
    check_lock(school, page, lesson, wt, today, marks=True)
    if wt is None:
        raise JournalError(_("No work types are set up yet: ask the administrator."))
    taken = set(db.session.scalars(select(Mark.pupil_id).where(Mark.lesson_id == lesson.id)))
    taken |= set(db.session.scalars(select(Attendance.pupil_id).where(
        Attendance.lesson_id == lesson.id, Attendance.status == "absent")))
    pupils = _column_pupils(page, lesson)
    given = [p.id for p in pupils if p.id not in taken]
    if given:
        db.session.execute(insert(Mark), [
            {"lesson_id": lesson.id, "pupil_id": p, "position": 1, "value": value,
             "work_type_id": wt.id, "author_id": user.id, "comment": ""} for p in given])
        audit_service.write_rows([audit_service.journal_row(
            user, "journal.fill", "lesson", lesson.id, p, "", str(value), page=page,
            lesson=lesson) for p in given])
        notices.lessons_changed([lesson.id], given)
    return ColumnChange(pupils, given=given)


def set_work_type(user: User, school: School, page: SubjectPage, lesson: Lesson,
                  work_type: WorkType | None, today: dt.date, *, log: bool = True) -> bool:
    """Change a column's work type (None: the school's default); every mark of the column
    follows it, so a column never holds marks of two work types. True when it changed.

    The one rule for every entrance (the grid, the lesson panel): once a lesson's marks are
    locked, its work type is too, under the old type's window and the new one's; otherwise a
    longer window (control work: 7 days) would reopen marks locked after 2 (issue 14).
    A lesson still to come takes any type: it has no marks yet.
    Raises JournalError when locked.
    """
    old = column_work_type(lesson, school)
    new = work_type if work_type is not None else default_work_type(school)
    if (lesson.work_type_id == (work_type.id if work_type else None)
            and (old.id if old else None) == (new.id if new else None)):
        return False
    if lesson.date <= today and (old.id if old else None) != (new.id if new else None):
        check_lock(school, page, lesson, old, today, marks=True)
        check_lock(school, page, lesson, new, today, marks=True)
    if new is not None:
        db.session.execute(update(Mark).where(Mark.lesson_id == lesson.id,
                                              Mark.work_type_id != new.id)
                           .values(work_type_id=new.id))
    lesson.work_type_id = work_type.id if work_type is not None else None
    lesson.work_type = work_type
    if log:  # the lesson panel logs the work type in its own row (lesson.update)
        audit(user, "journal.work_type", "lesson", lesson.id, None,
              old.code if old else "", new.code if new else "", page=page, lesson=lesson)
    return True
