"""Writing the journal grid: one cell, a whole column, the column's work type, period marks.

The caller has already authorised the user (policy.can_write_lesson / can_write_page); the
functions here apply the journal rules, refuse with JournalError, write with as few statements
as the change needs, record one AuditEvent per change (who, what, old, new), and never commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select, update

from extensions import db
from models import (
    Attendance,
    AuditEvent,
    Enrolment,
    FinalMark,
    Lesson,
    Mark,
    ParentNotice,
    School,
    StudyPeriod,
    SubjectPage,
    User,
    WorkType,
)
from services import grid as grid_service
from services import journal as rules
from services.journal import CellValue, JournalError


@dataclass
class CellResult:
    """The cell as saved, and the pupil's new average and predicted mark."""

    cell: CellValue
    comment: str
    average: float | None
    predicted: int | None


def column_work_type(lesson: Lesson, school: School) -> WorkType | None:
    """The lesson's own work type, else the school's default one."""
    if lesson.work_type is not None:
        return lesson.work_type
    return db.session.scalar(select(WorkType).where(WorkType.code == school.default_work_type_code))


def _check_lock(school: School, page: SubjectPage, lesson: Lesson, wt: WorkType | None,
                today: dt.date, *, marks: bool) -> None:
    lock = rules.lesson_lock(school, page, lesson, wt, today, marks=marks)
    if not lock.open:
        raise JournalError(lock.reason, 403)


def current_cell(lesson_id: int, pupil_id: int) -> tuple[CellValue, list[Mark], Attendance | None]:
    """What one cell holds now: its value, its Mark rows and its Attendance row."""
    marks = list(db.session.scalars(select(Mark).where(
        Mark.lesson_id == lesson_id, Mark.pupil_id == pupil_id).order_by(Mark.position)))
    att = db.session.scalar(select(Attendance).where(
        Attendance.lesson_id == lesson_id, Attendance.pupil_id == pupil_id))
    return CellValue(att.status if att else None, [m.value for m in marks]), marks, att


def _same(a: CellValue, b: CellValue) -> bool:
    return a.status == b.status and a.marks == b.marks


def _stale_error(current: CellValue, comment: str = "") -> JournalError:
    shown = current.text() or _("empty")
    return JournalError(_("Someone else changed this cell after you opened the page: it now "
                          "holds %(now)s. Your entry was not saved; check and type it again.",
                          now=shown), 409)


def save_cell(user: User, school: School, page: SubjectPage, lesson: Lesson, pupil_id: int,
              text: str, old: str | None, today: dt.date,
              comment: str | None = None) -> CellResult:
    """Save what a teacher typed into one cell (marks and attendance) for one pupil.

    old is what the teacher's page showed; a different stored value refuses the entry (409).
    Raises JournalError for bad input, locked cells, pupils not on the page, stale cells.
    """
    new = rules.parse_cell(text, school)
    believed = _parse_old(old, school)
    period = _period_of(page, lesson.date)
    if period is None:
        raise JournalError(_("This lesson's date is outside the study periods: it takes no "
                             "marks or absences."))
    wt = column_work_type(lesson, school)
    if new.marks and rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    if not grid_service.is_on_page(page, pupil_id, lesson.date):
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    current, marks, att = current_cell(lesson.id, pupil_id)
    if believed is not None and not _same(believed, current):
        raise _stale_error(current)
    old_comment = marks[0].comment if marks else ""
    if comment is not None and not new.marks and comment.strip():
        raise JournalError(_("A comment belongs to a mark: type the mark first."))
    if new.marks != current.marks or (comment is not None and comment != old_comment):
        _check_lock(school, page, lesson, wt, today, marks=True)
    if new.status != current.status:
        _check_lock(school, page, lesson, wt, today, marks=False)
    _write_attendance(lesson.id, pupil_id, att, new.status)
    comment = old_comment if comment is None else comment.strip()[:200]
    _write_marks(lesson.id, pupil_id, marks, new.marks, wt, user.id, comment)
    _audit(user, "journal.cell", "lesson", lesson.id, pupil_id,
           current.text() + (f" «{old_comment}»" if old_comment else ""),
           new.text() + (f" «{comment}»" if comment and new.marks else ""))
    average = grid_service.pupil_average(page, pupil_id, period)
    return CellResult(new, comment if new.marks else "", average,
                      rules.predicted_mark(average, school.round_up_from))


def _parse_old(old: str | None, school: School) -> CellValue | None:
    if old is None:
        return None
    try:
        return rules.parse_cell(old, _lenient(school))
    except JournalError:
        return CellValue(status="?")  # never equal to a stored cell: refused as stale


def _lenient(school: School) -> School:
    # What the page showed may be a mark of 1 the school has since stopped allowing.
    return School(allow_mark_one=True, no_marks_grades=school.no_marks_grades)


def _period_of(page: SubjectPage, day: dt.date) -> StudyPeriod | None:
    return db.session.scalar(select(StudyPeriod).where(
        StudyPeriod.year_id == page.school_class.year_id,
        StudyPeriod.scheme == page.school_class.period_scheme,
        StudyPeriod.start_date <= day, StudyPeriod.end_date >= day))


def _write_attendance(lesson_id: int, pupil_id: int, att: Attendance | None,
                      status: str | None) -> None:
    if status is None:
        if att is not None:
            db.session.delete(att)
    elif att is None:
        db.session.add(Attendance(lesson_id=lesson_id, pupil_id=pupil_id, status=status))
    elif att.status != status:
        att.status = status


def _write_marks(lesson_id: int, pupil_id: int, marks: list[Mark], values: list[int],
                 wt: WorkType | None, author_id: int, comment: str) -> None:
    if values and wt is None:
        raise JournalError(_("No work types are set up yet: ask the administrator."))
    for position in (1, 2):
        have = next((m for m in marks if m.position == position), None)
        want = values[position - 1] if len(values) >= position else None
        note = comment if position == 1 else ""
        if want is None:
            if have is not None:
                db.session.delete(have)
        elif have is None:
            db.session.add(Mark(lesson_id=lesson_id, pupil_id=pupil_id, position=position,
                                value=want, work_type_id=wt.id, author_id=author_id,
                                comment=note))
        elif have.value != want or have.comment != note:
            have.value, have.comment, have.author_id = want, note, author_id


def _audit(user: User, action: str, object_type: str, object_id: int | None,
           pupil_id: int | None, old: str, new: str) -> None:
    db.session.add(AuditEvent(user_id=user.id, action=action, object_type=object_type,
                              object_id=object_id, pupil_id=pupil_id, old=old, new=new))


# -- whole columns -------------------------------------------------------------------------

def _column_pupils(page: SubjectPage, lesson: Lesson) -> list[int]:
    return [p.id for p in grid_service.page_pupils(page, lesson.date, lesson.date)]


def take_attendance(user: User, school: School, page: SubjectPage, lesson: Lesson,
                    absent: list[int], today: dt.date) -> dict[int, str]:
    """Everyone present except `absent`: one request, a handful of statements for any class.

    Late arrivals already recorded stay unless the pupil is now listed absent. Returns the new
    attendance by pupil id. Raises JournalError when locked or a pupil is not on the page.
    """
    _check_lock(school, page, lesson, None, today, marks=False)
    on_page = set(_column_pupils(page, lesson))
    if not set(absent) <= on_page:
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    before = dict(db.session.execute(select(Attendance.pupil_id, Attendance.status)
                                     .where(Attendance.lesson_id == lesson.id)).all())
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
    if drop or add:
        _audit(user, "journal.attendance", "lesson", lesson.id, None,
               ",".join(f"{p}:{s}" for p, s in sorted(before.items())),
               ",".join(f"{p}:{s}" for p, s in sorted(wanted.items())))
    return wanted


def fill_column(user: User, school: School, page: SubjectPage, lesson: Lesson, value: int,
                today: dt.date) -> list[int]:
    """Give one mark to every pupil present without one (a dictation everybody wrote).

    Returns the pupils who got it. Raises JournalError when locked or the mark is invalid.
    """
    if value not in rules.mark_values(school):
        rules.parse_cell(str(value), school)  # raises the out-of-range message
    if rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    wt = column_work_type(lesson, school)
    _check_lock(school, page, lesson, wt, today, marks=True)
    if wt is None:
        raise JournalError(_("No work types are set up yet: ask the administrator."))
    taken = set(db.session.scalars(select(Mark.pupil_id).where(Mark.lesson_id == lesson.id)))
    taken |= set(db.session.scalars(select(Attendance.pupil_id).where(
        Attendance.lesson_id == lesson.id, Attendance.status == "absent")))
    given = [p for p in _column_pupils(page, lesson) if p not in taken]
    if given:
        db.session.execute(insert(Mark), [
            {"lesson_id": lesson.id, "pupil_id": p, "position": 1, "value": value,
             "work_type_id": wt.id, "author_id": user.id, "comment": ""} for p in given])
        _audit(user, "journal.fill", "lesson", lesson.id, None, "",
               f"{value} -> {','.join(map(str, given))}")
    return given


def set_work_type(user: User, school: School, page: SubjectPage, lesson: Lesson,
                  work_type: WorkType, today: dt.date) -> None:
    """Change a column's work type; its marks of the previous column type follow it."""
    old = column_work_type(lesson, school)
    _check_lock(school, page, lesson, old, today, marks=True)
    _check_lock(school, page, lesson, work_type, today, marks=True)
    if old is not None and old.id != work_type.id:
        db.session.execute(update(Mark).where(Mark.lesson_id == lesson.id,
                                              Mark.work_type_id == old.id)
                           .values(work_type_id=work_type.id))
    lesson.work_type_id = work_type.id
    _audit(user, "journal.work_type", "lesson", lesson.id, None,
           old.code if old else "", work_type.code)


# -- period and year marks -----------------------------------------------------------------

class NeedsNotice(JournalError):
    """The period mark is below the predicted one: ask whether the parents were told."""


def save_final(user: User, school: School, page: SubjectPage, pupil_id: int, kind: str,
               period: StudyPeriod, last_period: StudyPeriod, text: str, old: str | None,
               today: dt.date, notice: tuple[bool, dt.date | None] | None = None) -> str:
    """Save a period (or, with kind='year', the year) mark; returns the label shown.

    Raises JournalError when locked, invalid, stale or the pupil is not on the page, and
    NeedsNotice when a period mark below the predicted one comes without the parents' answer.
    """
    end = period.end_date if kind == "period" else last_period.end_date
    lock = rules.final_lock(school, page, end, today)
    if not lock.open:
        raise JournalError(lock.reason, 403)
    value, special = rules.parse_final(text, school)
    if not _on_page_in(page, pupil_id, period):
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    period_id = period.id if kind == "period" else None
    row = db.session.scalar(select(FinalMark).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id, FinalMark.kind == kind,
        FinalMark.period_id == period_id if period_id else FinalMark.period_id.is_(None)))
    shown = rules.final_label(row.value, row.special) if row else ""
    if old is not None and _final_key(old, school) != ((row.value, row.special) if row else
                                                        (None, None)):
        raise JournalError(_("Someone else changed this mark after you opened the page: it "
                             "now holds %(now)s. Your entry was not saved.",
                             now=shown or _("empty")), 409)
    if kind == "period":
        _check_notice(user, school, page, pupil_id, period, value, notice)
    if value is None and special is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(FinalMark(page_id=page.id, pupil_id=pupil_id, kind=kind,
                                 period_id=period_id, value=value, special=special,
                                 author_id=user.id))
    else:
        row.value, row.special, row.author_id = value, special, user.id
    label = rules.final_label(value, special)
    _audit(user, f"journal.{kind}_mark", "page", page.id, pupil_id, shown, label)
    return label


def _final_key(text: str, school: School) -> tuple[int | None, str | None]:
    try:
        return rules.parse_final(text, _lenient(school))
    except JournalError:
        return (-1, "?")


def _on_page_in(page: SubjectPage, pupil_id: int, period: StudyPeriod) -> bool:
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.pupil_id == pupil_id, Enrolment.class_id == page.class_id,
        Enrolment.start_date <= period.end_date,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= period.start_date))
        .limit(1)) is not None


def _check_notice(user: User, school: School, page: SubjectPage, pupil_id: int,
                  period: StudyPeriod, value: int | None,
                  notice: tuple[bool, dt.date | None] | None) -> None:
    average = grid_service.pupil_average(page, pupil_id, period)
    predicted = rules.predicted_mark(average, school.round_up_from)
    if not rules.needs_parent_notice(value, predicted):
        return
    existing = db.session.scalar(select(ParentNotice).where(
        ParentNotice.page_id == page.id, ParentNotice.pupil_id == pupil_id,
        ParentNotice.period_id == period.id))
    if notice is None:
        if existing is not None:
            return
        raise NeedsNotice(_("This mark is below the predicted %(predicted)d. Were the parents "
                            "told at least 3 lessons before the end of the period?",
                            predicted=predicted), 409)
    told, told_on = notice
    if told and told_on is None:
        raise JournalError(_("Give the date the parents were told."))
    if existing is None:
        existing = ParentNotice(page_id=page.id, pupil_id=pupil_id, period_id=period.id,
                                recorded_by=user.id, parents_told=told)
        db.session.add(existing)
    existing.parents_told, existing.told_on = told, told_on if told else None
    existing.recorded_by = user.id
