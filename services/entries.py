"""Writing the journal grid: one cell, a whole column, the column's work type, period marks.

The caller has already authorised the user (policy.can_write_lesson / can_write_page); the
functions here apply the journal rules, refuse with JournalError, write with as few statements
as the change needs, record one AuditEvent per change (who, what, old, new), and never commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Row, and_, bindparam, delete, insert, or_, select, true, update
from sqlalchemy.orm import aliased, contains_eager, joinedload

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
    SchoolClass,
    Staff,
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
    predicted: int | str | None  # a mark, "na" (too few marks) or None


def column_work_type(lesson: Lesson, school: School) -> WorkType | None:
    """The lesson's own work type, else the school's default one."""
    if lesson.work_type is not None:
        return lesson.work_type
    return _default_work_type(school)


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


@dataclass
class CellTarget:
    """Everything a cell save needs, read in one query (see load_cell)."""

    lesson: Lesson
    page: SubjectPage
    school: School
    period: StudyPeriod | None  # the study period of the lesson's date
    work_type: WorkType | None  # the column's: the lesson's own, else the school default
    pupil_id: int | None
    on_page: bool  # the pupil was on the page on the lesson's date
    status: str | None  # the cell's attendance now
    staff: Staff | None  # the staff record of person_id (the signed-in user)


@cache
def _cell_query():
    """The statement of load_cell, built once: a save runs it with new bound values only, so
    SQLAlchemy neither rebuilds the expression nor recomputes its cache key."""
    default_wt = aliased(WorkType)
    pupil = bindparam("pupil_id")
    status = select(Attendance.status).where(Attendance.lesson_id == Lesson.id,
                                             Attendance.pupil_id == pupil).scalar_subquery()
    return (
        select(Lesson, School, StudyPeriod, default_wt, Staff,
               grid_service.on_page_clause(pupil).label("on_page"), status.label("status"))
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(School, true())
        .outerjoin(StudyPeriod, and_(StudyPeriod.year_id == SchoolClass.year_id,
                                     StudyPeriod.scheme == SchoolClass.period_scheme,
                                     StudyPeriod.start_date <= Lesson.date,
                                     StudyPeriod.end_date >= Lesson.date))
        .outerjoin(default_wt, default_wt.code == School.default_work_type_code)
        .outerjoin(Staff, Staff.person_id == bindparam("person_id"))
        .options(contains_eager(Lesson.page), joinedload(Lesson.work_type))
        .where(Lesson.id == bindparam("lesson_id")).order_by(School.id, StudyPeriod.id)
        .limit(1))


def load_cell(lesson_id: int, pupil_id: int | None, person_id: int | None) -> CellTarget | None:
    """The lesson with its page, the school, the period, the column's work type, whether the
    pupil is on the page, the cell's attendance and the user's staff record: one query.

    A mark is saved many times a minute: each of these used to be a statement of its own.
    None when the lesson (or the school) does not exist.
    """
    row = db.session.execute(_cell_query(), {
        "lesson_id": lesson_id, "pupil_id": -1 if pupil_id is None else pupil_id,
        "person_id": -1 if person_id is None else person_id}).first()
    if row is None:
        return None
    lesson, school, period, default, staff, on_page, now = row
    return CellTarget(lesson, lesson.page, school, period, lesson.work_type or default,
                      pupil_id, bool(on_page), now, staff)


def save_cell(user: User, target: CellTarget, pupil_id: int, text: str, old: str | None,
              today: dt.date, comment: str | None = None) -> CellResult:
    """Save what a teacher typed into one cell (marks and attendance) for one pupil.

    old is what the teacher's page showed; a different stored value refuses the entry (409).
    Raises JournalError for bad input, locked cells, pupils not on the page, stale cells.
    Statements: the pupil's marks on the page in the period (the cell's and the average's),
    then only the writes the change needs and the audit row.
    """
    school, page, lesson, period, wt = (target.school, target.page, target.lesson,
                                        target.period, target.work_type)
    new = rules.parse_cell(text, school)
    believed = _parse_old(old, school)
    if period is None:
        raise JournalError(_("This lesson's date is outside the study periods: it takes no "
                             "marks or absences."))
    if new.marks and rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    if pupil_id != target.pupil_id or not target.on_page:
        raise JournalError(_("This pupil is not on this page on the lesson's date."), 404)
    marks = _period_marks(page, pupil_id, period)
    here = sorted((m for m in marks if m.lesson_id == lesson.id), key=lambda m: m.position)
    current = CellValue(target.status, [m.value for m in here])
    if believed is not None and not _same(believed, current):
        raise _stale_error(current)
    old_comment = here[0].comment if here else ""
    if comment is not None and not new.marks and comment.strip():
        raise JournalError(_("A comment belongs to a mark: type the mark first."))
    if new.marks != current.marks or (comment is not None and comment != old_comment):
        _check_lock(school, page, lesson, wt, today, marks=True)
    if new.status != current.status:
        _check_lock(school, page, lesson, wt, today, marks=False)
    _set_attendance(lesson.id, pupil_id, current.status, new.status)
    comment = old_comment if comment is None else comment.strip()[:200]
    kept = _set_marks(lesson.id, pupil_id, here, new.marks, wt, user.id, comment)
    _audit(user, "journal.cell", "lesson", lesson.id, pupil_id,
           current.text() + (f" «{old_comment}»" if old_comment else ""),
           new.text() + (f" «{comment}»" if comment and new.marks else ""))
    pairs = [(m.value, m.weight) for m in marks if m.lesson_id != lesson.id] + kept
    average = rules.weighted_average(pairs)
    return CellResult(new, comment if new.marks else "", average,
                      rules.prediction(average, len(pairs), school))


@cache
def _period_marks_query():
    return (select(Mark.id, Mark.lesson_id, Mark.position, Mark.value, Mark.comment,
                   WorkType.weight)
            .join(WorkType, WorkType.id == Mark.work_type_id)
            .join(Lesson, Lesson.id == Mark.lesson_id)
            .where(Mark.pupil_id == bindparam("pupil_id"), Lesson.page_id == bindparam("page_id"),
                   Lesson.date >= bindparam("start"), Lesson.date <= bindparam("end")))


def _period_marks(page: SubjectPage, pupil_id: int, period: StudyPeriod) -> list[Row]:
    """The pupil's marks on the page in the period, with their weights: plain rows."""
    return list(db.session.connection().execute(_period_marks_query(), {
        "pupil_id": pupil_id, "page_id": page.id, "start": period.start_date,
        "end": period.end_date}))


def _core():
    # Plain Core statements on the session's connection (same transaction): no ORM-enabled
    # insert/update machinery for rows no loaded object mirrors.
    return db.session.connection()


_MARK_UPDATE = update(Mark).where(Mark.id == bindparam("mark_id"))


def _set_attendance(lesson_id: int, pupil_id: int, old: str | None, new: str | None) -> None:
    """At most one statement: insert, update or delete the cell's attendance row."""
    if old == new:
        return
    where = (Attendance.lesson_id == lesson_id, Attendance.pupil_id == pupil_id)
    if new is None:
        _core().execute(delete(Attendance).where(*where))
    elif old is None:
        _core().execute(insert(Attendance).values(lesson_id=lesson_id, pupil_id=pupil_id,
                                                     status=new))
    else:
        _core().execute(update(Attendance).where(*where).values(status=new))


def _set_marks(lesson_id: int, pupil_id: int, have: list[Row], values: list[int],
               wt: WorkType | None, author_id: int, comment: str) -> list[tuple[int, int]]:
    """Write the cell's marks (one statement per changed position); their (value, weight)."""
    if values and wt is None:
        raise JournalError(_("No work types are set up yet: ask the administrator."))
    kept: list[tuple[int, int]] = []
    gone = []
    for position in (1, 2):
        old = next((m for m in have if m.position == position), None)
        want = values[position - 1] if len(values) >= position else None
        note = comment if position == 1 else ""
        if want is None:
            if old is not None:
                gone.append(old.id)
            continue
        if old is None:
            _core().execute(insert(Mark), {
                "lesson_id": lesson_id, "pupil_id": pupil_id, "position": position,
                "value": want, "work_type_id": wt.id, "author_id": author_id, "comment": note})
            kept.append((want, wt.weight))
            continue
        if old.value != want or old.comment != note:
            _core().execute(_MARK_UPDATE, {"mark_id": old.id, "value": want, "comment": note,
                                              "author_id": author_id})
        kept.append((want, old.weight))  # an existing mark keeps its own work type
    if gone:
        _core().execute(delete(Mark).where(Mark.id.in_(gone)))
    return kept


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


def _audit(user: User, action: str, object_type: str, object_id: int | None,
           pupil_id: int | None, old: str, new: str) -> None:
    # A Core insert: one statement, without the unit of work's bookkeeping on every save.
    _core().execute(insert(AuditEvent), {
        "user_id": user.id, "action": action, "object_type": object_type,
        "object_id": object_id, "pupil_id": pupil_id, "old": old, "new": new})


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
                  work_type: WorkType | None, today: dt.date) -> bool:
    """Change a column's work type (None: the school's default); every mark of the column
    follows it, so a column never holds marks of two work types. True when it changed.

    The one rule for every entrance (the grid, the lesson panel): once a lesson's marks are
    locked, its work type is too, under the old type's window and the new one's; otherwise a
    longer window (control work: 7 days) would reopen marks locked after 2 (issue 14).
    A lesson still to come takes any type: it has no marks yet.
    Raises JournalError when locked.
    """
    old = column_work_type(lesson, school)
    new = work_type if work_type is not None else _default_work_type(school)
    if (lesson.work_type_id == (work_type.id if work_type else None)
            and (old.id if old else None) == (new.id if new else None)):
        return False
    if lesson.date <= today and (old.id if old else None) != (new.id if new else None):
        _check_lock(school, page, lesson, old, today, marks=True)
        _check_lock(school, page, lesson, new, today, marks=True)
    if new is not None:
        db.session.execute(update(Mark).where(Mark.lesson_id == lesson.id,
                                              Mark.work_type_id != new.id)
                           .values(work_type_id=new.id))
    lesson.work_type_id = work_type.id if work_type is not None else None
    lesson.work_type = work_type
    _audit(user, "journal.work_type", "lesson", lesson.id, None,
           old.code if old else "", new.code if new else "")
    return True


def _default_work_type(school: School) -> WorkType | None:
    return db.session.scalar(select(WorkType).where(WorkType.code == school.default_work_type_code))


# -- period and year marks -----------------------------------------------------------------

class NeedsNotice(JournalError):
    """The period mark is below the predicted one: ask whether the parents were told."""


def save_final(user: User, school: School, page: SubjectPage, pupil_id: int, kind: str,
               period: StudyPeriod, last_period: StudyPeriod, text: str, old: str | None,
               today: dt.date, notice: tuple[bool, dt.date | None] | None = None) -> str:
    """Save a period (or, with kind='year', the year) mark; returns the label shown.

    Raises JournalError when locked, invalid, stale, in a grade without marks, a year mark
    outside the last period, or the pupil is not on the page; NeedsNotice when a period mark
    below the predicted one comes without the parents' answer.
    """
    if rules.is_no_marks_grade(school, page.school_class.grade):
        raise JournalError(_("Grade %(grade)d keeps attendance only: no marks are entered.",
                             grade=page.school_class.grade))
    if kind == "year" and period.id != last_period.id:
        raise JournalError(_("The year mark is set in the last study period of the year."))
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
        _check_notice(user, school, page, pupil_id, period, value, notice, today)
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


def stored_final(page: SubjectPage, pupil_id: int, kind: str, period: StudyPeriod
                 ) -> tuple[tuple[int | None, str | None] | None, bool | None]:
    """A pupil's stored period (or year) mark as (value, special), and the parents' notice."""
    period_id = period.id if kind == "period" else None
    row = db.session.scalar(select(FinalMark).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id, FinalMark.kind == kind,
        FinalMark.period_id == period_id if period_id else FinalMark.period_id.is_(None)))
    notice = db.session.scalar(select(ParentNotice.parents_told).where(
        ParentNotice.page_id == page.id, ParentNotice.pupil_id == pupil_id,
        ParentNotice.period_id == period.id)) if kind == "period" else None
    return ((row.value, row.special) if row else None), notice


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
                  notice: tuple[bool, dt.date | None] | None, today: dt.date) -> None:
    marks = grid_service.pupil_marks(page, pupil_id, period)
    predicted = rules.prediction(rules.weighted_average(marks), len(marks), school)
    if not rules.needs_parent_notice(value, predicted):
        return
    existing = db.session.scalar(select(ParentNotice).where(
        ParentNotice.page_id == page.id, ParentNotice.pupil_id == pupil_id,
        ParentNotice.period_id == period.id))
    if notice is None:
        if existing is not None:
            return
        raise NeedsNotice(ngettext(
            "This mark is below the predicted %(predicted)d. Were the parents told at least "
            "%(num)d lesson before the end of the period?",
            "This mark is below the predicted %(predicted)d. Were the parents told at least "
            "%(num)d lessons before the end of the period?",
            school.notice_lessons_before, predicted=predicted), 409)
    told, told_on = notice
    if told and told_on is None:
        raise JournalError(_("Give the date the parents were told."))
    if told:
        dates = db.session.scalars(select(Lesson.date).where(
            Lesson.page_id == page.id, Lesson.date >= period.start_date,
            Lesson.date <= period.end_date))
        deadline = rules.notice_deadline(list(dates), period, school.notice_lessons_before)
        rules.check_notice_date(told_on, period, deadline, today, school.notice_lessons_before)
    if existing is None:
        existing = ParentNotice(page_id=page.id, pupil_id=pupil_id, period_id=period.id,
                                recorded_by=user.id, parents_told=told)
        db.session.add(existing)
    existing.parents_told, existing.told_on = told, told_on if told else None
    existing.recorded_by = user.id


@dataclass
class CellChange:
    """One row of the lesson page's marks form."""

    pupil_id: int
    text: str
    old: str | None
    comment: str | None


def save_cells(user: User, lesson_id: int, changes: list[CellChange],
               today: dt.date) -> dict[int, str]:
    """Save several cells of one lesson (the lesson page's plain form), each by save_cell's
    rules. Returns the refusals by pupil id; the caller commits only when there are none, so
    a form with one bad row changes nothing."""
    errors: dict[int, str] = {}
    for change in changes:
        target = load_cell(lesson_id, change.pupil_id, user.person_id)
        if target is None:
            raise JournalError(_("This lesson does not exist any more."), 404)
        try:
            save_cell(user, target, change.pupil_id, change.text, change.old, today,
                      comment=change.comment)
        except JournalError as error:
            errors[change.pupil_id] = error.message
    return errors
