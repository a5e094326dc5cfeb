"""Background report jobs: a batch of hard copies (001 section 6) for a parallel or the whole
school, made by the job queue's worker (services.reports.jobs) while the server goes on
answering. The row is what the progress page reads: who asked, what, how far it got, the
file it made and why a class could not be printed."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.school import StudyPeriod
    from models.users import User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


JOB_KINDS = ("hardcopy",)
JOB_STATUSES = ("queued", "running", "done", "failed")


class ReportJob(db.Model):
    """One batch of printed copies asked for by one user."""

    __tablename__ = "report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="hardcopy")
    requested_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The classes chosen when it was asked (the user's readable ones), in print order.
    class_ids: Mapped[list[int]] = mapped_column(JSON)
    period_id: Mapped[int] = mapped_column(ForeignKey("study_period.id", ondelete="CASCADE"))
    # The parallel asked for, or None for the whole school (names the file and the page).
    grade: Mapped[int | None]
    # The language the user asked in: the worker has no request to choose one.
    locale: Mapped[str] = mapped_column(String(5), default="ru")
    status: Mapped[str] = mapped_column(String(8), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # Classes that could not be printed: [[class id, reason], ...]; the others still are.
    failures: Mapped[list] = mapped_column(JSON, default=list)
    result_key: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    requester: Mapped[User] = relationship()
    period: Mapped[StudyPeriod] = relationship()

    __table_args__ = (
        Index("ix_report_job_user", "requested_by", "created_at"),
        CheckConstraint("kind IN ('hardcopy')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        CheckConstraint("done >= 0 AND done <= total", name="progress"),
        CheckConstraint("status != 'done' OR result_key IS NOT NULL", name="result"),
    )

    @property
    def active(self) -> bool:
        """Still waiting for the worker or being made: the page keeps polling."""
        return self.status in ("queued", "running")

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0
