"""Step 4 of the year close: undo it, until the first mark of the new year is entered.

Rows the apply changed get their old values back from YearClose.before; rows it created go,
with everything later made on them that holds no entry yet (pages, timetables, lessons).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Table, delete, exists, select, update

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Enrolment,
    ExamResult,
    FinalMark,
    Lesson,
    Mark,
    Promotion,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    User,
    YearClose,
)
from services import audit, clock
from services.yearclose.common import YearCloseError, from_iso


def _in_year(year_id: int):
    return select(SubjectPage.id).join(SchoolClass, SchoolClass.id == SubjectPage.class_id) \
        .where(SchoolClass.year_id == year_id)


def undo_refusal(close: YearClose) -> str | None:
    """Why this close can no longer be undone, or None while it can (four queries at most)."""
    if close.state != "applied":
        return _("This year close has been undone already.")
    later = db.session.scalar(select(YearClose.id).where(
        YearClose.state == "applied", YearClose.id > close.id).limit(1))
    if later is not None:
        return _("A later year close has been applied: undo that one first.")
    pages = _in_year(close.new_year_id)
    lessons = select(Lesson.id).where(Lesson.page_id.in_(pages))
    entered = (exists().where(Mark.lesson_id.in_(lessons)),
               exists().where(Attendance.lesson_id.in_(lessons)),
               exists().where(FinalMark.page_id.in_(pages)),
               exists().where(ExamResult.year_id == close.new_year_id))
    if db.session.scalar(select(entered[0] | entered[1] | entered[2] | entered[3])):
        return _("Marks or attendance have been entered in the new year: the year close can no "
                 "longer be undone.")
    moved = [int(k) for k in close.before.get("pupils", {})]
    made = set(close.before.get("created", {}).get("enrolments", []))
    others = [eid for eid in db.session.scalars(
        select(Enrolment.id).join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(SchoolClass.year_id == close.new_year_id)) if eid not in made]
    if others or db.session.scalar(select(Pupil.id).join(
            SchoolClass, SchoolClass.id == Pupil.class_id).where(
            SchoolClass.year_id == close.new_year_id, Pupil.id.not_in(moved)).limit(1)):
        return _("Pupils have been enrolled in the new year since the close: undo their "
                 "enrolment first.")
    return None


def undo(user: User, close: YearClose) -> None:
    """Put back every row the close changed and remove what it created.

    Raises YearCloseError when undo_refusal() gives a reason.
    """
    reason = undo_refusal(close)
    if reason:
        raise YearCloseError(reason)
    before, created = close.before, close.before["created"]
    db.session.flush()
    db.session.execute(delete(Promotion).where(Promotion.close_id == close.id))
    _restore(before)
    if created["year"]:
        close.new_year_id = None
        db.session.flush()
        remove(AcademicYear.__table__, AcademicYear.id == created["year"])
    else:
        remove(Enrolment.__table__, Enrolment.id.in_(created["enrolments"]))
        remove(SchoolClass.__table__, SchoolClass.id.in_(created["classes"]))
        remove(StudyPeriod.__table__, StudyPeriod.id.in_(created["periods"]))
    close.state, close.undone_at = "undone", clock.utcnow()
    audit.record(user, "year_close", close.id, "undo", {"order_no": close.order_no})
    db.session.flush()
    db.session.expire_all()


def _restore(before: dict) -> None:
    """Old values back on the rows the apply changed (bulk updates by primary key)."""
    years = [{"id": int(k), **v} for k, v in before["years"].items()]
    pages = [{"id": int(k), "year_closed_on": from_iso(v)} for k, v in before["pages"].items()]
    enrolments = [{"id": int(k), "end_date": from_iso(v["end_date"]),
                   "end_reason": v["end_reason"], "end_order_no": v["end_order_no"],
                   "end_order_date": from_iso(v["end_order_date"])}
                  for k, v in before["enrolments"].items()]
    pupils = [{"id": int(k), "class_id": v["class_id"], "left_on": from_iso(v["left_on"])}
              for k, v in before["pupils"].items()]
    for model, rows in ((AcademicYear, years), (SubjectPage, pages), (Enrolment, enrolments),
                        (Pupil, pupils)):
        if rows:
            db.session.execute(update(model), rows)


def remove(table: Table, where) -> None:
    """Delete rows and, first, every row that depends on them through a foreign key: a
    required reference takes its row along, an optional one is cleared. Walks the schema,
    so tables other features add to a year (timetables, lesson changes) go too."""
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table or child is table:
                continue
            refers = fk.parent.in_(select(fk.column).where(where))
            if fk.parent.nullable:
                db.session.execute(update(child).where(refers).values({fk.parent.name: None}))
            else:
                remove(child, refers)
    db.session.execute(delete(table).where(where))
