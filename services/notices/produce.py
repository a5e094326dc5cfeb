"""Notices to parents from the journal (issue 20): every entrance that changes a lesson's
absences, marks or homework, a period mark, the teacher's predicted-mark warning or a pupil's
points of a summative work (issue 21) calls one of the functions here in its own
transaction, so the parents' inbox follows the journal.

Each call computes the events that stand now for the lessons (or the period marks) it is
given, inserts the notices the parents are missing, and deletes those whose event went (an
absence removed, homework cleared, a period mark removed, a work's points cleared; a deleted
mark or work takes its notices by the foreign key). Content is never copied: the inbox reads it live from the journal.
A fixed number of statements per call, whatever the class size.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from extensions import db
from models import (
    Attendance,
    Enrolment,
    FinalMark,
    Guardian,
    Lesson,
    Mark,
    Notice,
    NoticeSetting,
    ParentNotice,
    School,
    SchoolClass,
    SubjectPage,
    SummativeWork,
    User,
    UserRole,
    WorkPoints,
)
from services import clock, groups
from services.notices import prefs
from services.summative import formula

LOW_MARK = 3  # a mark below this is a "low mark" (001: 2 and 1 are failing marks)


@dataclass(frozen=True)
class Event:
    """Something in the journal a parent may hear of, keyed once per parent."""

    key: str
    kind: str  # absence, mark, homework, period or predicted (a work's points: mark)
    pupil_id: int
    lesson_id: int | None = None
    mark_id: int | None = None
    page_id: int | None = None
    period_id: int | None = None
    value: int | None = None  # the mark, or the points of a summative work
    work_id: int | None = None
    max_points: int | None = None  # the work's maximum, for points

    @property
    def low(self) -> bool:
        """A mark below 3, or points (and a formative mark out of 10) at the low level of
        приказ № 130 (below 40 %, as the СОР/СОЧ analysis counts it: formula.level_of)."""
        if self.value is None:
            return False
        if self.max_points:
            percent = formula.ratio_percent([(self.value, self.max_points)])
            return formula.level_of(percent) == "low"
        return self.value < LOW_MARK


def lessons_changed(lesson_ids: Iterable[int], pupil_ids: Iterable[int] | None = None) -> None:
    """Bring the notices of these lessons (only these pupils' when given) in line with the
    journal: absences, marks and homework. One read when the pupils are given (a cell, a
    column), two otherwise, then at most a DELETE and an INSERT."""
    lessons = sorted(set(lesson_ids))
    pupils = None if pupil_ids is None else sorted(set(pupil_ids))
    if not lessons or pupils == []:
        return
    params = {"lessons": lessons, "today": clock.today()}
    if pupils is not None:
        params["pupils"] = pupils
    _sync(_lesson_statement(pupils is not None), params)


def finals_changed(page_id: int, pupil_ids: Iterable[int], period_id: int) -> None:
    """The same for a page's period marks and predicted-mark warnings of one period."""
    pupils = sorted(set(pupil_ids))
    if pupils:
        _sync(_finals_statement(), {"page": page_id, "period": period_id, "pupils": pupils},
              period_id)


def points_changed(work_id: int, pupil_ids: Iterable[int] | None = None) -> None:
    """The same for these pupils' points of one summative work (every pupil's when not
    given: the work's date or maximum changed). Points are heard of as marks are ('mark',
    or 'low_mark' below 40 %), once the work's day has come. One read (two for every
    pupil), then at most a DELETE and an INSERT, whatever the number of pupils."""
    pupils = None if pupil_ids is None else sorted(set(pupil_ids))
    if pupils == []:
        return
    params = {"work": work_id, "today": clock.today()}
    if pupils is not None:
        params["pupils"] = pupils
    _sync(_points_statement(pupils is not None), params)


# The statements are built once with bound parameters (as entries.load_cell's): a cell save
# runs one of them with new values only, not a new expression and its cache key.
_LESSONS = bindparam("lessons", expanding=True)
_PUPILS = bindparam("pupils", expanding=True)


def _int():
    return cast(null(), Integer)


def _text():
    return cast(null(), String)


@cache
def _lesson_statement(for_pupils: bool):
    """The events: absences (not lateness) at lessons up to today, marks, and homework for
    every pupil on the page that day, as rows (tag, lesson, pupil, mark, value, page, -);
    with the notices there are now, the school's kinds (and the parents, when for_pupils)."""
    def only(column):
        return column.in_(_PUPILS) if for_pupils else true()

    absences = (select(literal("absence").label("tag"), Attendance.lesson_id,
                       Attendance.pupil_id, _int(), _int(), Lesson.page_id, _text())
                .join(Lesson, Lesson.id == Attendance.lesson_id)
                .where(Attendance.lesson_id.in_(_LESSONS), Attendance.status == "absent",
                       Lesson.date <= bindparam("today"), Lesson.cancelled.is_(False),
                       only(Attendance.pupil_id)))
    # The class's journal type: a formative mark (criteria-based, out of 10) is low below
    # 40 %, as points are; a 5-point mark below 3.
    marks = (select(literal("mark"), Mark.lesson_id, Mark.pupil_id, Mark.id, Mark.value,
                    Lesson.page_id, SchoolClass.journal_type)
             .join(Lesson, Lesson.id == Mark.lesson_id)
             .join(SubjectPage, SubjectPage.id == Lesson.page_id)
             .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
             .where(Mark.lesson_id.in_(_LESSONS), only(Mark.pupil_id)))
    homework = (select(literal("homework"), Lesson.id, Enrolment.pupil_id, _int(), _int(),
                       Lesson.page_id, _text())
                .join(SubjectPage, SubjectPage.id == Lesson.page_id)
                .join(Enrolment, and_(Enrolment.class_id == SubjectPage.class_id,
                                      Enrolment.start_date <= Lesson.date,
                                      or_(Enrolment.end_date.is_(None),
                                          Enrolment.end_date >= Lesson.date)))
                .where(Lesson.id.in_(_LESSONS), Lesson.homework != "",
                       Lesson.cancelled.is_(False), only(Enrolment.pupil_id),
                       or_(SubjectPage.subgroup_id.is_(None),
                           groups.member_on(Enrolment.pupil_id, SubjectPage.subgroup_id,
                                            Lesson.date))))
    where = [Notice.lesson_id.in_(_LESSONS), only(Notice.pupil_id)]
    return union_all(absences, marks, homework, *_context(where),
                     *([_parents()] if for_pupils else []))


@cache
def _finals_statement():
    """A page's period marks and told predicted-mark warnings of one period for some pupils,
    with their notices, the school's kinds and the parents."""
    page, period = bindparam("page"), bindparam("period")
    return union_all(
        select(literal("period").label("tag"), _int(), FinalMark.pupil_id, _int(), _int(),
               FinalMark.page_id, _text())
        .where(FinalMark.page_id == page, FinalMark.period_id == period,
               FinalMark.kind == "period", FinalMark.pupil_id.in_(_PUPILS)),
        select(literal("predicted"), _int(), ParentNotice.pupil_id, _int(), _int(),
               ParentNotice.page_id, _text())
        .where(ParentNotice.page_id == page, ParentNotice.period_id == period,
               ParentNotice.parents_told.is_(True), ParentNotice.pupil_id.in_(_PUPILS)),
        *_context([Notice.page_id == page, Notice.period_id == period,
                   Notice.kind.in_(("period", "predicted")), Notice.pupil_id.in_(_PUPILS)]),
        _parents())


@cache
def _points_statement(for_pupils: bool):
    """A work's points (some pupils' when for_pupils), if it is dated up to today, as rows
    (tag, maximum, pupil, work, points, page, -); with their notices, the school's kinds
    (and the parents, when for_pupils)."""
    def only(column):
        return column.in_(_PUPILS) if for_pupils else true()

    work = bindparam("work")
    return union_all(
        select(literal("points").label("tag"), SummativeWork.max_points, WorkPoints.pupil_id,
               SummativeWork.id, WorkPoints.points, SummativeWork.page_id, _text())
        .join(SummativeWork, SummativeWork.id == WorkPoints.work_id)
        .where(WorkPoints.work_id == work, only(WorkPoints.pupil_id),
               SummativeWork.date <= bindparam("today")),
        *_context([Notice.work_id == work, only(Notice.pupil_id)]),
        *([_parents()] if for_pupils else []))


def _context(where: list) -> list:
    """The notices there are now (id, user, low mark?, event) and the kinds the school
    sends."""
    first_school = select(func.min(School.id)).scalar_subquery()
    return [
        select(literal("notice"), Notice.id, Notice.user_id, _int(),
               case((Notice.kind == "low_mark", 1), else_=0), _int(), Notice.event)
        .where(*where),
        select(literal("school"), _int(), _int(), _int(), _int(), _int(), School.notice_kinds)
        .where(School.id == first_school)]


def _parents():
    """The active parent accounts of the pupils (a Guardian's person with the parent role)
    with their own kinds: rows ('parent', -, pupil, user, -, -, kinds). Pupils themselves get
    no notices."""
    return (select(literal("parent").label("tag"), _int(), Guardian.pupil_id, User.id, _int(),
                   _int(), NoticeSetting.kinds)
            .join(User, User.person_id == Guardian.person_id)
            .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "parent"))
            .outerjoin(NoticeSetting, NoticeSetting.user_id == User.id)
            .where(Guardian.pupil_id.in_(_PUPILS), User.active))


@cache
def _parents_statement():
    return union_all(_parents())


def notice_kind(event: Event, kinds: frozenset[str]) -> str | None:
    """The kind of notice this event gives a parent who gets `kinds`, or None: a mark is a
    'mark' notice, or a 'low_mark' one for a parent who asked only for low ones (Event.low)."""
    if event.kind == "mark":
        if "mark" in kinds:
            return "mark"
        return "low_mark" if event.low and "low_mark" in kinds else None
    return event.kind if event.kind in kinds else None


def _sync(statement, params: dict, period_id: int | None = None) -> None:
    """Read the events with the notices there are (and the parents, when the pupils are
    known) in one statement; delete the notices whose event went, insert the missing."""
    rows = _read(statement, params)
    events = [_event(row, period_id) for row in rows if row[0] in EVENT_TAGS]
    if "pupils" not in params and events:
        rows += _read(_parents_statement(), {"pupils": sorted({e.pupil_id for e in events})})
    standing = {e.key: e for e in events}
    existing = [(r[1], r[2], r[6], r[4]) for r in rows if r[0] == "notice"]
    stale = [nid for nid, _u, key, low in existing if key not in standing or (
        low and standing[key].value is not None and not standing[key].low)]
    if stale:
        db.session.execute(delete(Notice).where(Notice.id.in_(stale)),
                           execution_options={"synchronize_session": False})
    school = next((prefs.parse_kinds(r[6]) for r in rows if r[0] == "school"), frozenset())
    parents: dict[int, list[tuple[int, frozenset[str]]]] = {}
    for _tag, _a, pupil, user, _v, _p, own in (r for r in rows if r[0] == "parent"):
        parents.setdefault(pupil, []).append((user, prefs.kinds_of(school, own)))
    have = {(user, key) for _n, user, key, _low in existing}
    new = [_row(e, user, kind) for e in events for user, kinds in parents.get(e.pupil_id, ())
           if (user, e.key) not in have and (kind := notice_kind(e, kinds))]
    if new:
        # Core, not the ORM's bulk insert: that one splits the rows by which values are NULL
        # (an absence has no mark), one INSERT per shape.
        connection = db.session.connection()
        connection.execute(_insert_ignoring_duplicates(connection.dialect.name), new)


EVENT_TAGS = frozenset({"absence", "mark", "homework", "period", "predicted", "points"})


def _read(statement, params: dict) -> list:
    return list(db.session.execute(statement, params).all())


def _event(row, period_id: int | None) -> Event:
    if row[0] == "points":
        _tag, maximum, pupil, work, points, page, _s = row
        return Event(f"points:{work}:{pupil}", "mark", pupil, page_id=page, value=points,
                     work_id=work, max_points=maximum)
    tag, lesson, pupil, mark, value, page, journal = row
    if tag in ("period", "predicted"):
        key = f"{tag}:{page}:{period_id}:{pupil}"
    else:
        key = {"absence": f"absence:{lesson}:{pupil}", "mark": f"mark:{mark}",
               "homework": f"homework:{lesson}:{pupil}"}[tag]
    return Event(key, tag, pupil, lesson_id=lesson, mark_id=mark, page_id=page,
                 period_id=period_id, value=value,
                 max_points=formula.FO_SCALE if journal == "criteria" else None)


def _row(event: Event, user_id: int, kind: str) -> dict:
    return {"user_id": user_id, "pupil_id": event.pupil_id, "kind": kind, "event": event.key,
            "lesson_id": event.lesson_id, "mark_id": event.mark_id, "page_id": event.page_id,
            "period_id": event.period_id, "work_id": event.work_id,
            "created_at": clock.utcnow()}


@cache
def _insert_ignoring_duplicates(dialect: str):
    """INSERT that skips a (user, event) pair already there: two saves of one cell at once
    (PostgreSQL has no write lock per request as SQLite does) give one notice, not an error."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(Notice).on_conflict_do_nothing(index_elements=["user_id", "event"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        return sqlite_insert(Notice).on_conflict_do_nothing(index_elements=["user_id", "event"])
    return insert(Notice)
