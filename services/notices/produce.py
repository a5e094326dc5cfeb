"""Notices to parents from the journal (issue 20): every entrance that changes a lesson's
absences, marks or homework, a period mark or the teacher's predicted-mark warning calls one
of the two functions here in its own transaction, so the parents' inbox follows the journal.

Each call computes the events that stand now for the lessons (or the period marks) it is
given, inserts the notices the parents are missing, and deletes those whose event went (an
absence removed, homework cleared, a period mark removed; a deleted mark takes its notice by
the foreign key). Content is never copied: the inbox reads it live from the journal.
A fixed number of statements per call, whatever the class size.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, literal, null, or_, select, true, union_all

from extensions import db
from models import (
    Attendance,
    Enrolment,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    Notice,
    ParentNotice,
    SubjectPage,
    User,
    UserRole,
)
from services import clock, groups
from services.notices import prefs

LOW_MARK = 3  # a mark below this is a "low mark" (001: 2 and 1 are failing marks)


@dataclass(frozen=True)
class Event:
    """Something in the journal a parent may hear of, keyed once per parent."""

    key: str
    kind: str  # absence, mark, homework, period or predicted
    pupil_id: int
    lesson_id: int | None = None
    mark_id: int | None = None
    page_id: int | None = None
    period_id: int | None = None
    value: int | None = None


def lessons_changed(lesson_ids: Iterable[int], pupil_ids: Iterable[int] | None = None) -> None:
    """Bring the notices of these lessons (only these pupils' when given) in line with the
    journal: absences, marks and homework. At most six statements."""
    lessons = sorted(set(lesson_ids))
    pupils = None if pupil_ids is None else sorted(set(pupil_ids))
    if not lessons or pupils == []:
        return
    events = _lesson_events(lessons, pupils, clock.today())
    where = [Notice.lesson_id.in_(lessons)]
    if pupils is not None:
        where.append(Notice.pupil_id.in_(pupils))
    _sync(events, where, pupils)


def finals_changed(page_id: int, pupil_ids: Iterable[int], period_id: int) -> None:
    """The same for a page's period marks and predicted-mark warnings of one period."""
    pupils = sorted(set(pupil_ids))
    if not pupils:
        return
    rows = db.session.execute(union_all(
        select(literal("period").label("kind"), FinalMark.pupil_id)
        .where(FinalMark.page_id == page_id, FinalMark.period_id == period_id,
               FinalMark.kind == "period", FinalMark.pupil_id.in_(pupils)),
        select(literal("predicted"), ParentNotice.pupil_id)
        .where(ParentNotice.page_id == page_id, ParentNotice.period_id == period_id,
               ParentNotice.parents_told.is_(True), ParentNotice.pupil_id.in_(pupils)))).all()
    events = [Event(f"{kind}:{page_id}:{period_id}:{pupil}", kind, pupil, page_id=page_id,
                    period_id=period_id) for kind, pupil in rows]
    _sync(events, [Notice.page_id == page_id, Notice.period_id == period_id,
                   Notice.kind.in_(("period", "predicted")), Notice.pupil_id.in_(pupils)],
          pupils)


def _lesson_events(lessons: list[int], pupils: list[int] | None, today: dt.date) -> list[Event]:
    """Absences (not lateness) at lessons up to today, marks, and homework for every pupil on
    the page that day: one statement."""
    def only(column):
        return column.in_(pupils) if pupils is not None else true()

    absences = (select(literal("absence").label("kind"), Attendance.lesson_id,
                       Attendance.pupil_id, null().label("mark_id"), null().label("value"))
                .join(Lesson, Lesson.id == Attendance.lesson_id)
                .where(Attendance.lesson_id.in_(lessons), Attendance.status == "absent",
                       Lesson.date <= today, Lesson.cancelled.is_(False),
                       only(Attendance.pupil_id)))
    marks = (select(literal("mark"), Mark.lesson_id, Mark.pupil_id, Mark.id, Mark.value)
             .where(Mark.lesson_id.in_(lessons), only(Mark.pupil_id)))
    homework = (select(literal("homework"), Lesson.id, Enrolment.pupil_id, null(), null())
                .join(SubjectPage, SubjectPage.id == Lesson.page_id)
                .join(Enrolment, and_(Enrolment.class_id == SubjectPage.class_id,
                                      Enrolment.start_date <= Lesson.date,
                                      or_(Enrolment.end_date.is_(None),
                                          Enrolment.end_date >= Lesson.date)))
                .where(Lesson.id.in_(lessons), Lesson.homework != "",
                       Lesson.cancelled.is_(False), only(Enrolment.pupil_id),
                       or_(SubjectPage.subgroup_id.is_(None),
                           groups.member_on(Enrolment.pupil_id, SubjectPage.subgroup_id,
                                            Lesson.date))))
    events = []
    for kind, lesson, pupil, mark, value in db.session.execute(
            union_all(absences, marks, homework)).all():
        key = {"absence": f"absence:{lesson}:{pupil}", "mark": f"mark:{mark}",
               "homework": f"homework:{lesson}:{pupil}"}[kind]
        events.append(Event(key, kind, pupil, lesson_id=lesson, mark_id=mark, value=value))
    return events


def parents_of(pupil_ids: Iterable[int]) -> dict[int, list[int]]:
    """The active parent accounts of each pupil (a Guardian's person with the parent role):
    one query. Pupils themselves get no notices."""
    ids = sorted(set(pupil_ids))
    found: dict[int, list[int]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(Guardian.pupil_id, User.id).join(User, User.person_id == Guardian.person_id)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "parent"))
        .where(Guardian.pupil_id.in_(ids), User.active).distinct()).all()
    for pupil, user in rows:
        found.setdefault(pupil, []).append(user)
    return found


def notice_kind(event: Event, kinds: frozenset[str]) -> str | None:
    """The kind of notice this event gives a parent who gets `kinds`, or None: a mark is a
    'mark' notice, or a 'low_mark' one for a parent who asked only for marks below 3."""
    if event.kind == "mark":
        if "mark" in kinds:
            return "mark"
        low = event.value is not None and event.value < LOW_MARK
        return "low_mark" if low and "low_mark" in kinds else None
    return event.kind if event.kind in kinds else None


def _sync(events: list[Event], where: list, pupils: list[int] | None) -> None:
    """Delete the notices (matching `where`) whose event went, insert the missing ones."""
    existing = db.session.execute(select(Notice.id, Notice.user_id, Notice.event, Notice.kind)
                                  .where(*where)).all()
    standing = {e.key: e for e in events}
    stale = [n.id for n in existing if n.event not in standing or (
        n.kind == "low_mark" and (standing[n.event].value or 0) >= LOW_MARK)]
    if stale:
        db.session.execute(delete(Notice).where(Notice.id.in_(stale)))
    if not events:
        return
    parents = parents_of(e.pupil_id for e in events)
    kinds = prefs.wanted(u for users in parents.values() for u in users)
    have = {(n.user_id, n.event) for n in existing}
    rows = [_row(e, user, kind) for e in events for user in parents.get(e.pupil_id, ())
            if (user, e.key) not in have and (kind := notice_kind(e, kinds[user]))]
    if rows:
        db.session.execute(_insert_ignoring_duplicates(), rows)


def _row(event: Event, user_id: int, kind: str) -> dict:
    return {"user_id": user_id, "pupil_id": event.pupil_id, "kind": kind, "event": event.key,
            "lesson_id": event.lesson_id, "mark_id": event.mark_id, "page_id": event.page_id,
            "period_id": event.period_id, "created_at": dt.datetime.now(dt.UTC)}


def _insert_ignoring_duplicates():
    """INSERT that skips a (user, event) pair already there: two saves of one cell at once
    (PostgreSQL has no write lock per request as SQLite does) give one notice, not an error."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(Notice).on_conflict_do_nothing(index_elements=["user_id", "event"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        return sqlite_insert(Notice).on_conflict_do_nothing(index_elements=["user_id", "event"])
    return insert(Notice)
