"""The demo school's notices to parents (issue 20): made from the demo journal by the same
functions every journal entrance calls, so the demo parent finds an inbox that looks lived in.

Notices of the last school days stay new; older ones are seen; two parents in three have seen
the period marks of the last period that ended, so the class teacher's report has something
to show.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, update

from extensions import db
from models import FinalMark, Lesson, MarksSeen, Notice, StudyPeriod
from services import clock
from services.notices import produce

CHUNK = 400  # lessons per call: bounded IN lists on every database
NEW_DAYS = 2  # notices of lessons in the last two days stay unseen


def seed_notices(today: dt.date, days: int = 7) -> int:
    """Produce the notices of the lessons of the last `days` days and of the period marks of
    the last period that ended; mark the older ones (and most period marks) as seen.
    Returns how many notices there are. Does not commit."""
    lesson_ids = list(db.session.scalars(select(Lesson.id).where(
        Lesson.date > today - dt.timedelta(days=days), Lesson.date <= today).order_by(Lesson.id)))
    for i in range(0, len(lesson_ids), CHUNK):
        produce.lessons_changed(lesson_ids[i:i + CHUNK])
    period = _last_ended_period(today)
    if period is not None:
        _period_notices(period)
    now = clock.utcnow()
    old = select(Lesson.id).where(Lesson.date <= today - dt.timedelta(days=NEW_DAYS))
    db.session.execute(update(Notice).where(Notice.lesson_id.in_(old)).values(seen_at=now)
                       .execution_options(synchronize_session=False))
    return db.session.scalar(select(func.count(Notice.id))) or 0


def _last_ended_period(today: dt.date) -> StudyPeriod | None:
    return db.session.scalar(select(StudyPeriod).where(StudyPeriod.end_date < today)
                             .order_by(StudyPeriod.end_date.desc(), StudyPeriod.id).limit(1))


def _period_notices(period: StudyPeriod) -> None:
    """Period-mark notices per page, then "seen" by two parents in three."""
    pages: dict[int, list[int]] = {}
    for page_id, pupil_id in db.session.execute(
            select(FinalMark.page_id, FinalMark.pupil_id).where(
                FinalMark.kind == "period", FinalMark.period_id == period.id)):
        pages.setdefault(page_id, []).append(pupil_id)
    for page_id, pupils in pages.items():
        produce.finals_changed(page_id, pupils, period.id)
    pairs = db.session.execute(select(Notice.user_id, Notice.pupil_id).where(
        Notice.period_id == period.id, Notice.kind == "period").distinct()).all()
    seen = [(u, p) for u, p in pairs if u % 3]
    if not seen:
        return
    now = clock.utcnow()
    db.session.execute(insert(MarksSeen), [
        {"user_id": u, "pupil_id": p, "period_id": period.id, "seen_at": now} for u, p in seen])
    users = sorted({u for u, _p in seen})
    db.session.execute(update(Notice).where(
        Notice.period_id == period.id, Notice.user_id.in_(users)).values(seen_at=now)
        .execution_options(synchronize_session=False))
