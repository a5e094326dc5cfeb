"""Kazakhstan's criteria-based assessment (DOMAIN.md 8, issue 21): section and quarter
summative works (СОР, СОЧ) with their points, and the per subject and grade settings."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

# A class keeps the classic 5-point journal or the criteria-based one (Kundelik's "summative
# assessment journal"), chosen per class for its year.
JOURNAL_TYPES = ("classic", "criteria")
# СОР: a section summative work; СОЧ: the quarter (or half-year) summative work.
WORK_KINDS = ("sor", "soch")
MAX_POINTS = 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SummativeWork(db.Model):
    """One СОР or СОЧ a teacher declared on a subject page: a column of points on the grid."""

    __tablename__ = "summative_work"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    # The study period of the class the work's date falls in (kept with the date).
    period_id: Mapped[int] = mapped_column(ForeignKey("study_period.id"))
    kind: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(120))
    date: Mapped[dt.date]
    max_points: Mapped[int]
    # The section of the teacher's plan the work covers: a topic of the КТП, or free text.
    plan_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_item.id", ondelete="SET NULL"))
    section: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    points: Mapped[list[WorkPoints]] = relationship(
        back_populates="work", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        Index("ix_summative_work_page", "page_id", "period_id"),
        Index("ix_summative_work_date", "date"),
        CheckConstraint("kind IN ('sor', 'soch')", name="kind"),
        CheckConstraint(f"max_points BETWEEN 1 AND {MAX_POINTS}", name="max_points"),
        CheckConstraint("name <> ''", name="name"),
    )


class WorkPoints(db.Model):
    """A pupil's points for one summative work (0 to the work's maximum)."""

    __tablename__ = "work_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("summative_work.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    points: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    work: Mapped[SummativeWork] = relationship(back_populates="points")

    __table_args__ = (
        UniqueConstraint("work_id", "pupil_id"),
        Index("ix_work_points_pupil", "pupil_id"),
        CheckConstraint(f"points BETWEEN 0 AND {MAX_POINTS}", name="points"),
    )


class SummativeRule(db.Model):
    """How a subject is assessed in a grade in one year: with or without a СОЧ, per quarter
    or per half-year. Without a row, a one-hour-a-week page has no СОЧ and is marked per
    half-year (приказ № 125), any other page has a СОЧ each quarter."""

    __tablename__ = "summative_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    grade: Mapped[int]
    has_soch: Mapped[bool] = mapped_column(default=True)
    by_half_year: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("year_id", "subject_id", "grade"),
        CheckConstraint("grade BETWEEN 0 AND 12", name="grade"),
    )
