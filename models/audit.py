"""Records that are written by the application and never edited in it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DiaryVisit(db.Model):
    """A parent or pupil opened the diary of a child: who, when, which child; nothing else."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    at: Mapped[dt.datetime] = mapped_column(default=_now)

    __table_args__ = (Index("ix_diary_visit_at", "at"),)


class AuditEvent(db.Model):
    """Who changed what in the journal or in personal data, with old and new values."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_audit_event_at", "at"),)
