"""The class teacher's monthly check of the pupil cards (003 4.1): what changed since the last
check, who confirmed this month, and which classes have not."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models import AuditEvent, CardCheck, Pupil, SchoolClass, User
from services import audit, clock
from services.audit import Change


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def last_check(school_class: SchoolClass) -> CardCheck | None:
    return db.session.scalar(select(CardCheck).where(CardCheck.class_id == school_class.id)
                             .order_by(CardCheck.month.desc()).limit(1))


@dataclass
class CardChange:
    pupil: Pupil
    change: Change


def changes_since(school_class: SchoolClass, since: dt.datetime | None,
                  limit: int = 300) -> list[CardChange]:
    """Changes to the cards of the class's pupils since a moment (the last check), newest
    first: two queries."""
    pupils = {p.id: p for p in db.session.scalars(select(Pupil).where(
        Pupil.class_id == school_class.id))}
    if not pupils:
        return []
    query = select(AuditEvent.object_id).where(
        AuditEvent.object_type == "pupil", AuditEvent.object_id.in_(list(pupils)),
        AuditEvent.action != "pupil.read")
    if since is not None:
        query = query.where(AuditEvent.at > since)
    ids = {i for i in db.session.scalars(query.limit(limit))}
    out = []
    for pid in sorted(ids):
        for change in audit.history("pupil", pid, limit=50):
            if since is None or change.at > since:
                out.append(CardChange(pupils[pid], change))
    return sorted(out, key=lambda c: c.change.at, reverse=True)


def confirm(actor: User, school_class: SchoolClass, today: dt.date) -> CardCheck:
    """The class teacher confirms this month's check (again: the time is updated)."""
    month = month_of(today)
    check = db.session.scalar(select(CardCheck).where(CardCheck.class_id == school_class.id,
                                                      CardCheck.month == month))
    if check is None:
        check = CardCheck(class_id=school_class.id, month=month, checked_by=actor.id)
        db.session.add(check)
    else:
        check.checked_by = actor.id
        check.checked_at = clock.utcnow().replace(tzinfo=None)
    db.session.flush()
    audit.record(actor, "card_check", check.id, "confirm", {"class_id": school_class.id,
                                                             "month": month})
    return check


def unconfirmed(classes: list[SchoolClass], today: dt.date) -> list[SchoolClass]:
    """The classes whose cards nobody confirmed this month (one query)."""
    done = set(db.session.scalars(select(CardCheck.class_id).where(
        CardCheck.month == month_of(today), CardCheck.class_id.in_([c.id for c in classes]))))
    return [c for c in classes if c.id not in done]
