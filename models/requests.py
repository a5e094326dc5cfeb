"""A family's request to correct what the school holds about a pupil (152-ФЗ, law 94-V;
DOMAIN.md 9): asked from the family's data page, answered by the class teacher or the
administration. Not the journal's late corrections (models.corrections)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.people import Pupil
    from models.users import User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


DATA_REQUEST_STATUSES = ("open", "answered")
DATA_REQUEST_MAX = 1000


class DataRequest(db.Model):
    """What is wrong, in the family's words; the answer closes it."""

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    status: Mapped[str] = mapped_column(String(8), default="open")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_at: Mapped[dt.datetime | None]

    pupil: Mapped[Pupil] = relationship()
    asker: Mapped[User] = relationship(foreign_keys=[user_id])
    answerer: Mapped[User | None] = relationship(foreign_keys=[answered_by])

    __table_args__ = (
        Index("ix_data_request_pupil", "pupil_id", "created_at"),
        Index("ix_data_request_status", "status", "created_at"),
        CheckConstraint("status IN ('open', 'answered')", name="status"),
        CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL)", name="answered"),
    )
