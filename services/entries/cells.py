"""One cell of the journal: what it holds, loading everything a save needs in one query,
saving it by the journal's rules; several cells of one lesson for the lesson page's form."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Row, and_, bindparam, delete, insert, select, true, update
from sqlalchemy.orm import aliased, contains_eager, joinedload

from extensions import db
from models import (
    Attendance,
    Correction,
    Lesson,
    Mark,
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
from services.entries.common import audit, check_lock, core, lenient
from services.journal import CellValue, JournalError
from services.notices import produce as notices

# The mark comment column holds this many characters; a longer one is refused, not cut.
COMMENT_MAX = 200


@dataclass
class CellResult:
    """The cell as saved, and the pupil's new average and predicted mark."""

    cell: CellValue
    comment: str
    average: float | None
    predicted: int | str | None  # a mark, "na" (too few marks) or None



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
              today: dt.date, comment: str | None = None,
              correction: Correction | None = None, notify: bool = True) -> CellResult:
    """Save what a teacher typed into one cell (marks and attendance) for one pupil.

    old is what the teacher's page showed; a different stored value refuses the entry (409).
    Raises JournalError for bad input, locked cells, pupils not on the page, stale cells.
    Statements: the pupil's marks on the page in the period (the cell's and the average's),
    then only the writes the change needs and the audit row.
    An approved correction (services.corrections.apply, its only caller with one) passes the
    edit window; every other rule still holds, and the audit row names the correction.
    The parents' notices follow the cell (notify=False: the caller brings them in line).
    """
    school, page, lesson, period, wt = (target.school, target.page, target.lesson,
                                        target.period, target.work_type)
    new = rules.parse_cell(text, school, page.school_class)
    believed = _parse_old(old, school, page.school_class)
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
    if comment is not None and len(comment.strip()) > COMMENT_MAX:
        raise JournalError(_("A comment is at most %(n)d characters.", n=COMMENT_MAX))
    if correction is None and (new.marks != current.marks
                               or (comment is not None and comment != old_comment)):
        check_lock(school, page, lesson, wt, today, marks=True)
    if correction is None and new.status != current.status:
        check_lock(school, page, lesson, wt, today, marks=False)
    _set_attendance(lesson.id, pupil_id, current.status, new.status)
    comment = old_comment if comment is None else comment.strip()
    kept = _set_marks(lesson.id, pupil_id, here, new.marks, wt, user.id, comment)
    audit(user, "journal.cell", "lesson", lesson.id, pupil_id,
          current.text() + (f" «{old_comment}»" if old_comment else ""),
          new.text() + (f" «{comment}»" if comment and new.marks else ""), page=page,
          lesson=lesson, correction=correction)
    if notify and (new.status != current.status or new.marks != current.marks):
        notices.lessons_changed([lesson.id], [pupil_id])
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


_MARK_UPDATE = update(Mark).where(Mark.id == bindparam("mark_id"))


def _set_attendance(lesson_id: int, pupil_id: int, old: str | None, new: str | None) -> None:
    """At most one statement: insert, update or delete the cell's attendance row."""
    if old == new:
        return
    where = (Attendance.lesson_id == lesson_id, Attendance.pupil_id == pupil_id)
    if new is None:
        core().execute(delete(Attendance).where(*where))
    elif old is None:
        core().execute(insert(Attendance).values(lesson_id=lesson_id, pupil_id=pupil_id,
                                                     status=new))
    else:
        core().execute(update(Attendance).where(*where).values(status=new))


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
            core().execute(insert(Mark), {
                "lesson_id": lesson_id, "pupil_id": pupil_id, "position": position,
                "value": want, "work_type_id": wt.id, "author_id": author_id, "comment": note})
            kept.append((want, wt.weight))
            continue
        if old.value != want or old.comment != note:
            core().execute(_MARK_UPDATE, {"mark_id": old.id, "value": want, "comment": note,
                                              "author_id": author_id})
        kept.append((want, old.weight))  # an existing mark keeps its own work type
    if gone:
        core().execute(delete(Mark).where(Mark.id.in_(gone)))
    return kept


def _parse_old(old: str | None, school: School,
               school_class: SchoolClass | None = None) -> CellValue | None:
    if old is None:
        return None
    try:
        return rules.parse_cell(old, lenient(school), school_class)
    except JournalError:
        return CellValue(status="?")  # never equal to a stored cell: refused as stale


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
                      comment=change.comment, notify=False)
        except JournalError as error:
            errors[change.pupil_id] = error.message
    if not errors:
        notices.lessons_changed([lesson_id], [c.pupil_id for c in changes])
    return errors
