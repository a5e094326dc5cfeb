""""Seen" by the parent (issue 20, as the Moscow diary does): a parent marks a child's period
marks as seen; the class teacher sees, per class and period, which parents have not, and how
many notices each parent has left unseen."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from extensions import db
from models import (
    FinalMark,
    Guardian,
    MarksSeen,
    Notice,
    Person,
    Pupil,
    SchoolClass,
    StudyPeriod,
    User,
    UserRole,
)
from services import clock


def period_seen_at(user_id: int, pupil_id: int, period_id: int) -> dt.datetime | None:
    """When this parent marked the child's marks of the period as seen (None: not yet)."""
    return db.session.scalar(select(MarksSeen.seen_at).where(
        MarksSeen.user_id == user_id, MarksSeen.pupil_id == pupil_id,
        MarksSeen.period_id == period_id))


def mark_period_seen(user: User, pupil_id: int, period_id: int) -> bool:
    """Record that the parent saw the child's period marks (and so their period-mark
    notices). The caller has checked the parent reads the child. True when newly recorded."""
    now = clock.utcnow()
    db.session.execute(update(Notice).where(
        Notice.user_id == user.id, Notice.pupil_id == pupil_id, Notice.period_id == period_id,
        Notice.seen_at.is_(None)).values(seen_at=now).execution_options(
        synchronize_session=False))
    if period_seen_at(user.id, pupil_id, period_id) is not None:
        return False
    db.session.add(MarksSeen(user_id=user.id, pupil_id=pupil_id, period_id=period_id,
                             seen_at=now))
    db.session.flush()
    return True


@dataclass
class ParentRow:
    """One parent account of a child of the class, as the class teacher's report lists it."""

    user_id: int
    name: str
    children: list[str] = field(default_factory=list)
    with_marks: int = 0  # children with period marks in the period
    seen: int = 0  # of them, whose marks this parent marked as seen
    unseen_notices: int = 0  # notices of the class's children this parent has not seen

    @property
    def missing(self) -> bool:
        """Has not seen every child's period marks there are."""
        return self.seen < self.with_marks


def report(school_class: SchoolClass, period: StudyPeriod) -> list[ParentRow]:
    """The parents of the class's pupils, those who have not seen the period marks first:
    four queries whatever the class size."""
    child = aliased(Person)
    links = db.session.execute(
        select(User.id, Person.last_name, Person.first_name, Person.patronymic,
               child.first_name, Pupil.id)
        .join(Person, Person.id == User.person_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "parent"))
        .join(Guardian, Guardian.person_id == User.person_id)
        .join(Pupil, Pupil.id == Guardian.pupil_id)
        .join(child, child.id == Pupil.person_id)
        .where(Pupil.class_id == school_class.id, User.active)
        .order_by(child.first_name, Pupil.id)).all()
    pupil_ids = {r[5] for r in links}
    marked = set(db.session.scalars(select(FinalMark.pupil_id).where(
        FinalMark.pupil_id.in_(pupil_ids), FinalMark.period_id == period.id,
        FinalMark.kind == "period").distinct())) if pupil_ids else set()
    seen = set(db.session.execute(select(MarksSeen.user_id, MarksSeen.pupil_id).where(
        MarksSeen.pupil_id.in_(pupil_ids), MarksSeen.period_id == period.id)).all()) \
        if pupil_ids else set()
    unseen = dict(db.session.execute(
        select(Notice.user_id, func.count(Notice.id))
        .where(Notice.pupil_id.in_(pupil_ids), Notice.seen_at.is_(None))
        .group_by(Notice.user_id)).all()) if pupil_ids else {}
    rows: dict[int, ParentRow] = {}
    for uid, last, first, middle, kid, pupil in links:
        row = rows.setdefault(uid, ParentRow(uid, " ".join(x for x in (last, first, middle) if x),
                                             unseen_notices=unseen.get(uid, 0)))
        row.children.append(kid)
        row.with_marks += pupil in marked
        row.seen += pupil in marked and (uid, pupil) in seen
    return sorted(rows.values(), key=lambda r: (not r.missing, -r.unseen_notices, r.name))

