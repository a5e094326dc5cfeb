"""Late corrections of the journal (001 4.2-4.3, DOMAIN.md 4): asked for with a document,
approved or rejected by the director or a deputy, then applied by a deputy or the
administrator. An applied request is a row of the change log (таблица учета изменений)."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.curriculum import SubjectPage
    from models.journal import Lesson
    from models.people import Pupil
    from models.school import StudyPeriod
    from models.users import User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


CORRECTION_KINDS = ("cell", "period", "year")
CORRECTION_STATUSES = ("pending", "approved", "rejected", "applied")
CORRECTION_REASONS = ("illness", "retake", "other")


class Correction(db.Model):
    """One request to change one locked entry: a lesson cell, a period mark or a year mark."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    # The date being changed: the lesson's date, or the last day of the period (or year).
    entry_date: Mapped[dt.date]
    # The entry as the journal writes it (н5, 4/5, осв.), when asked and what it is to become.
    old_value: Mapped[str] = mapped_column(String(20), default="")
    new_value: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(300), default="")
    # The document: a certificate, an order or, for a retake, the protocol (001 4.2.4).
    doc_number: Mapped[str] = mapped_column(String(40))
    doc_date: Mapped[dt.date]
    file_name: Mapped[str | None] = mapped_column(String(120))
    file_key: Mapped[str | None] = mapped_column(String(60))
    file_type: Mapped[str | None] = mapped_column(String(40))
    file_size: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(8), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    requested_role: Mapped[str] = mapped_column(String(14), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(default=_now)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[dt.datetime | None]
    decision_note: Mapped[str] = mapped_column(String(300), default="")
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[dt.datetime | None]

    page: Mapped[SubjectPage] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    period: Mapped[StudyPeriod | None] = relationship()
    pupil: Mapped[Pupil] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requested_by])
    decider: Mapped[User | None] = relationship(foreign_keys=[decided_by])
    applier: Mapped[User | None] = relationship(foreign_keys=[applied_by])

    __table_args__ = (
        Index("ix_correction_status", "status", "requested_at"),
        Index("ix_correction_cell", "lesson_id", "pupil_id"),
        CheckConstraint("kind IN ('cell', 'period', 'year')", name="kind"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'applied')",
                        name="status"),
        CheckConstraint("reason IN ('illness', 'retake', 'other')", name="reason"),
        CheckConstraint("(kind = 'period') = (period_id IS NOT NULL)", name="period_for_kind"),
        CheckConstraint("(status = 'applied') = (applied_at IS NOT NULL)", name="applied"),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided"),
    )
