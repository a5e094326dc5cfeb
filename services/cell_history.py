"""Every value one journal cell (or one period or year mark) had, newest first, from the audit
trail, with the late corrections that changed it (issue 17: history where people look).

Read in three queries whatever the length of the history: the audit rows with their authors,
the corrections of the entry, and the names of the people who asked, decided and applied.
Parents and pupils never see any of it (the views check policy.can_read_page).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from extensions import db
from models import (
    Attendance,
    AuditEvent,
    Correction,
    Lesson,
    Person,
    StudyPeriod,
    SubjectPage,
    User,
)
from services import clock

CELL_ACTIONS = ("journal.cell", "journal.attendance", "journal.fill")
REASON_ACTION = "absence.reason"


@dataclass
class Step:
    """One change of the entry: when (UTC), what it became, who did it and in which role."""

    at: dt.datetime
    action: str  # the part after "journal." ("cell", "fill"...), or "reason"
    old: str
    new: str
    who: str
    role: str
    correction: Correction | None = None
    period_id: int | None = None

    @property
    def when(self) -> str:
        """When, at the school (dd.mm.yyyy hh:mm)."""
        return clock.stamp(self.at)


@dataclass
class History:
    """The entry's changes, newest first, and its corrections (asked, decided, applied)."""

    steps: list[Step] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # user id -> short name

    def name(self, user_id: int | None) -> str:
        """A correction's requester, decider or applier as the journal names people."""
        return self.names.get(user_id, "—") if user_id is not None else ""


def school_date(at: dt.datetime) -> dt.date:
    """The school's date of a stored instant (SQLite gives naive UTC back)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(clock.zone()).date()


def cell_history(lesson: Lesson, pupil_id: int, with_reasons: bool) -> History:
    """A lesson cell's history. with_reasons: the absence reasons set on it are health data
    (DOMAIN.md 9), listed only for those policy.can_see_absence_reason_on_page allows."""
    where = and_(AuditEvent.object_type == "lesson", AuditEvent.object_id == lesson.id,
                 AuditEvent.pupil_id == pupil_id, AuditEvent.action.in_(CELL_ACTIONS))
    if with_reasons:
        # Reason rows name the absence (the attendance row), not the lesson.
        absences = select(Attendance.id).where(Attendance.lesson_id == lesson.id,
                                               Attendance.pupil_id == pupil_id)
        where = or_(where, and_(AuditEvent.object_type == "attendance",
                                AuditEvent.action == REASON_ACTION,
                                AuditEvent.pupil_id == pupil_id,
                                AuditEvent.object_id.in_(absences)))
    return _load(where, and_(Correction.kind == "cell", Correction.lesson_id == lesson.id,
                             Correction.pupil_id == pupil_id))


def final_history(page: SubjectPage, pupil_id: int, kind: str, period: StudyPeriod,
                  periods: list[StudyPeriod], window_days: int) -> History:
    """A period mark's (kind "period") or the year mark's history on a page.

    A period mark's row names its period (AuditEvent.period_id); rows written before it did
    take the correction's period, else the earliest period whose marks could still be
    changed on that day (its start to its end plus the final window)."""
    where = and_(AuditEvent.object_type == "page", AuditEvent.object_id == page.id,
                 AuditEvent.pupil_id == pupil_id, AuditEvent.action == f"journal.{kind}_mark")
    fixes = and_(Correction.kind == kind, Correction.page_id == page.id,
                 Correction.pupil_id == pupil_id)
    if kind == "period":
        fixes = and_(fixes, Correction.period_id == period.id)
        where = and_(where, or_(AuditEvent.period_id == period.id,
                                AuditEvent.period_id.is_(None)))
    history = _load(where, fixes)
    if kind == "period":
        history.steps = [s for s in history.steps if s.period_id == period.id or (
            s.period_id is None and _period_of(s, periods, window_days) == period.id)]
    return history


def _period_of(step: Step, periods: list[StudyPeriod], window_days: int) -> int | None:
    if step.correction is not None:
        return step.correction.period_id
    day = school_date(step.at)
    late = dt.timedelta(days=window_days)
    for p in periods:
        if day <= p.end_date + late:
            return p.id
    return periods[-1].id if periods else None


def _load(events, fixes) -> History:
    """The rows matching `events`, newest first, and the corrections matching `fixes` (or
    named by a row): three queries at most."""
    # Plain columns, no ORM object per row: a long history stays as fast as a short one.
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.old, AuditEvent.new,
               AuditEvent.role, AuditEvent.correction_id, AuditEvent.period_id,
               Person.last_name, Person.first_name, Person.patronymic)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(Person, Person.id == User.person_id).where(events)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
    named = {e.correction_id for e in rows if e.correction_id is not None}
    corrections = list(db.session.scalars(
        select(Correction).where(or_(fixes, Correction.id.in_(named)))
        .order_by(Correction.requested_at.desc(), Correction.id.desc())))
    by_id = {c.id: c for c in corrections}
    history = History(corrections=corrections)
    for e in rows:
        history.steps.append(Step(
            e.at, e.action.split(".")[-1] if e.action != REASON_ACTION else "reason",
            e.old, e.new, Person.short_of(e.last_name, e.first_name, e.patronymic)
            if e.last_name else "—", e.role, by_id.get(e.correction_id), e.period_id))
    people = {u for c in corrections for u in (c.requested_by, c.decided_by, c.applied_by)}
    people.discard(None)
    if people:
        history.names = {u.id: u.person.short_name for u in db.session.scalars(
            select(User).where(User.id.in_(people)))}
    return history


def corrected_at(lesson_id: int | None, pupil_id: int, *, page_id: int | None = None,
                 kind: str = "cell", period_id: int | None = None) -> dt.datetime | None:
    """When the latest applied correction of one entry was entered (None if never): a lesson
    cell (lesson_id), or a page's period (period_id) or year mark. One query, for a refused
    save that shows the cell as the server holds it."""
    where = [Correction.pupil_id == pupil_id, Correction.status == "applied",
             Correction.kind == kind]
    if kind == "cell":
        where.append(Correction.lesson_id == lesson_id)
    else:
        where.append(Correction.page_id == page_id)
        if kind == "period":
            where.append(Correction.period_id == period_id)
    return db.session.scalar(select(Correction.applied_at).where(*where)
                             .order_by(Correction.applied_at.desc()).limit(1))
