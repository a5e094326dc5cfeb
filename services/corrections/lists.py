"""Which correction requests a user sees, and where: those waiting for their decision, those
approved and waiting for them to apply, their own, and the latest of their classes. A fixed
number of queries; who may see a request is asked of services.policy per request."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Correction, SubjectPage, User
from services import clock, policy

LIMIT = 200


@dataclass
class Lists:
    to_decide: list[Correction] = field(default_factory=list)
    to_apply: list[Correction] = field(default_factory=list)
    mine: list[Correction] = field(default_factory=list)
    recent: list[Correction] = field(default_factory=list)


def _loaded():
    return (select(Correction).options(
        joinedload(Correction.page).joinedload(SubjectPage.school_class),
        joinedload(Correction.page).joinedload(SubjectPage.subject),
        joinedload(Correction.page).joinedload(SubjectPage.teacher),
        joinedload(Correction.pupil), joinedload(Correction.lesson),
        joinedload(Correction.period), selectinload(Correction.requester)))


def for_user(user: User, recent: bool = True) -> Lists:
    """The requests of the user's corrections page, newest first (recent=False: without
    the latest of the user's classes, which only the corrections page shows)."""
    out = Lists()
    open_rows = list(db.session.scalars(_loaded().where(
        Correction.status.in_(("pending", "approved"))).order_by(Correction.requested_at)
        .limit(LIMIT)).unique())
    for row in open_rows:
        if row.status == "pending" and row.requested_by != user.id and \
                policy.can_decide_correction(user, row):
            out.to_decide.append(row)
        elif row.status == "approved" and policy.can_apply_correction(user, row):
            out.to_apply.append(row)
    out.mine = list(db.session.scalars(_loaded().where(Correction.requested_by == user.id)
                                       .order_by(Correction.requested_at.desc()).limit(LIMIT))
                    .unique())
    if not recent:
        return out
    mine = {r.id for r in out.mine}
    latest = db.session.scalars(_loaded().order_by(Correction.requested_at.desc())
                                .limit(LIMIT)).unique()
    out.recent = [r for r in latest if r.id not in mine and policy.can_read_correction(user, r)]
    return out


@dataclass
class HomeSummary:
    """What a home page says of corrections: the user's own requests still open or decided
    in the last RECENT_DAYS, and how many wait for the user's decision or application."""

    mine: list[Correction]
    to_decide: int
    to_apply: int


RECENT_DAYS = 14


def home_summary(user: User) -> HomeSummary:
    lists = for_user(user, recent=False)
    since = clock.utcnow() - dt.timedelta(days=RECENT_DAYS)
    mine = [r for r in lists.mine if r.status in ("pending", "approved")
            or _aware(r.decided_at or r.requested_at) >= since]
    return HomeSummary(mine[:10], len(lists.to_decide), len(lists.to_apply))


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
