"""The journal itself: lessons, marks, attendance, period and year marks."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.curriculum import SubjectPage, WorkType


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Lesson(db.Model):
    """One lesson of a subject page on a date: a column of the journal grid."""

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    lesson_number: Mapped[int] = mapped_column(default=1)
    topic: Mapped[str] = mapped_column(String(300), default="")
    homework: Mapped[str] = mapped_column(Text, default="")
    # The day the homework given at this lesson is due: by default the date of the page's
    # next lesson; the diary shows it on that day (issue 14).
    homework_due: Mapped[dt.date | None]
    # The work type of this column's marks; a mark may still carry its own.
    work_type_id: Mapped[int | None] = mapped_column(ForeignKey("work_type.id"))
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_item.id"))
    ict_used: Mapped[bool] = mapped_column(default=False)
    is_extra: Mapped[bool] = mapped_column(default=False)
    # A one-day change of the timetable: a cancelled lesson stays (hidden from the journal) so
    # regeneration does not bring it back; a moved one remembers the slot it came from.
    cancelled: Mapped[bool] = mapped_column(default=False, server_default="0")
    origin_date: Mapped[dt.date | None]
    origin_number: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    page: Mapped[SubjectPage] = relationship()
    work_type: Mapped[WorkType | None] = relationship()

    __table_args__ = (
        UniqueConstraint("page_id", "date", "lesson_number"),
        Index("ix_lesson_date", "date"),
        Index("ix_lesson_homework_due", "page_id", "homework_due"),
        CheckConstraint("lesson_number BETWEEN 0 AND 12", name="lesson_number"),
    )


class Mark(db.Model):
    """A current mark; a pupil may get two in one lesson (position 1 and 2)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    position: Mapped[int] = mapped_column(default=1)
    value: Mapped[int]
    work_type_id: Mapped[int] = mapped_column(ForeignKey("work_type.id"))
    comment: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    lesson: Mapped[Lesson] = relationship()
    work_type: Mapped[WorkType] = relationship()

    __table_args__ = (
        UniqueConstraint("lesson_id", "pupil_id", "position"),
        Index("ix_mark_pupil", "pupil_id", "lesson_id"),
        CheckConstraint("value BETWEEN 1 AND 10", name="value"),
        CheckConstraint("position IN (1, 2)", name="position"),
    )


# н / п / б / о in Russian journals, ж / д / а / к in Kazakh ones (DOMAIN.md 3).
ATTENDANCE_STATUSES = ("absent", "late")
ABSENCE_REASONS = ("illness", "family", "event", "excused", "unexcused")


class Attendance(db.Model):
    """A pupil missed (or was late for) a lesson; the class teacher sets the reason."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    status: Mapped[str] = mapped_column(String(8), default="absent")
    reason: Mapped[str | None] = mapped_column(String(10))
    reason_set_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    lesson: Mapped[Lesson] = relationship()

    __table_args__ = (
        UniqueConstraint("lesson_id", "pupil_id"),
        Index("ix_attendance_pupil", "pupil_id", "lesson_id"),
        CheckConstraint("status IN ('absent', 'late')", name="status"),
        CheckConstraint(
            "reason IS NULL OR reason IN ('illness', 'family', 'event', 'excused', 'unexcused')",
            name="reason",
        ),
    )


FINAL_KINDS = ("period", "year", "exam")
FINAL_SPECIALS = ("na", "exempt", "pass", "fail")


class FinalMark(db.Model):
    """A period, year or exam mark: a number, or н/а, осв., зачёт, незачёт."""

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="period")
    # NULL for year and exam marks.
    period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id"))
    value: Mapped[int | None]
    special: Mapped[str | None] = mapped_column(String(8))
    # Criteria-based classes: why the teacher gave another mark than the computed one.
    reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    __table_args__ = (
        UniqueConstraint("page_id", "pupil_id", "kind", "period_id"),
        # NULLs are distinct in unique constraints: year and exam marks need their own index.
        Index(
            "uq_final_mark_whole_year", "page_id", "pupil_id", "kind", unique=True,
            sqlite_where=text("period_id IS NULL"), postgresql_where=text("period_id IS NULL"),
        ),
        CheckConstraint("kind IN ('period', 'year', 'exam')", name="kind"),
        CheckConstraint("(kind = 'period') = (period_id IS NOT NULL)", name="period_for_kind"),
        CheckConstraint("value IS NULL OR value BETWEEN 1 AND 10", name="value"),
        CheckConstraint(
            "special IS NULL OR special IN ('na', 'exempt', 'pass', 'fail')", name="special"
        ),
        CheckConstraint("(value IS NULL) <> (special IS NULL)", name="value_or_special"),
    )


class ParentNotice(db.Model):
    """The teacher's answer when a period mark is below the predicted one (001 3.2.4)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("study_period.id"))
    parents_told: Mapped[bool]
    told_on: Mapped[dt.date | None]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=_now)

    __table_args__ = (UniqueConstraint("page_id", "pupil_id", "period_id"),)
