"""A family asks the class teacher to correct what the school holds about a pupil (152-ФЗ,
law 94-V: the right to have one's data corrected). The class teacher of the pupil's class
(or the administration) answers, which closes the request; the family reads the answer on
its data page. Each step is in the audit trail. Functions never commit."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from models import DataRequest, Pupil, User
from models.requests import DATA_REQUEST_MAX
from services import audit, policy


class RequestError(ValueError):
    """Input the rules refuse; .message is shown next to the field."""

    def __init__(self, message: str, field: str = "text"):
        super().__init__(message)
        self.message, self.field = message, field


def _clean(text: str | None, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RequestError(empty)
    if len(text) > DATA_REQUEST_MAX:
        raise RequestError(_("At most %(max)d characters (now %(now)d).",
                             max=DATA_REQUEST_MAX, now=len(text)))
    return text


def ask(user: User, pupil: Pupil, text: str | None) -> DataRequest:
    """Store the family's request. Raises RequestError for an empty or too long text."""
    row = DataRequest(pupil_id=pupil.id, user_id=user.id,
                      text=_clean(text, _("Say what is wrong.")))
    db.session.add(row)
    db.session.flush()
    audit.record(user, "data_request", row.id, "create", pupil_id=pupil.id)
    return row


def answer(user: User, row: DataRequest, text: str | None) -> None:
    """Answer and close a request. Raises RequestError for an empty or too long answer, or
    when it has been answered already."""
    if row.status != "open":
        raise RequestError(_("This request has been answered already."))
    row.answer = _clean(text, _("Write the answer."))
    row.status, row.answered_by = "answered", user.id
    row.answered_at = dt.datetime.now(dt.UTC)
    audit.record(user, "data_request", row.id, "answer", pupil_id=row.pupil_id)


def of_pupil(pupil: Pupil) -> list[DataRequest]:
    """The requests about a pupil, newest first (the family's page)."""
    return list(db.session.scalars(
        select(DataRequest).options(selectinload(DataRequest.answerer))
        .where(DataRequest.pupil_id == pupil.id).order_by(DataRequest.created_at.desc())))


def for_answerer(user: User, limit: int = 100) -> list[DataRequest]:
    """Requests the user may answer, open ones first, then the latest answered: a class
    teacher's pupils, or every pupil of the administration's level (three queries)."""
    query = select(DataRequest).options(
        selectinload(DataRequest.pupil).selectinload(Pupil.school_class),
        selectinload(DataRequest.asker))
    if not user.has_role(*policy.LEADERSHIP):
        query = (query.join(Pupil, Pupil.id == DataRequest.pupil_id)
                 .where(Pupil.class_id.in_(policy.led_class_ids(user))))
    rows = db.session.scalars(query.order_by((DataRequest.status == "open").desc(),
                                             DataRequest.created_at.desc()).limit(limit))
    return [r for r in rows if policy.can_answer_data_request(user, r.pupil)]
