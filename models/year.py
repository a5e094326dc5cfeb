"""The school year beyond its periods: holidays, the curriculum, who taught a page when, the
year close with its promotions, and the final attestation (state exams)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


HOLIDAY_KINDS = ("vacation", "holiday")


class Holiday(db.Model):
    """Days without lessons inside a year: a vacation (каникулы) or a public holiday.

    grades empty means every grade; "1" is the extra February week of the first grade.
    School days (services.calendar) skip them: the edit windows, the timetable and every
    "N school days" rule count only the days left.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"),
                                         index=True)
    kind: Mapped[str] = mapped_column(String(10), default="vacation")
    name: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    grades: Mapped[str] = mapped_column(String(40), default="", server_default="")

    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint("kind IN ('vacation', 'holiday')", name="kind"),
    )


class CurriculumHours(db.Model):
    """The curriculum (учебный план): weekly hours of a subject in a grade, in one year."""

    __tablename__ = "curriculum_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    grade: Mapped[int]
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    hours: Mapped[int]

    __table_args__ = (
        UniqueConstraint("year_id", "grade", "subject_id"),
        CheckConstraint("grade BETWEEN 0 AND 12", name="grade"),
        CheckConstraint("hours BETWEEN 0 AND 12", name="hours"),
    )


class PageTeacher(db.Model):
    """Who taught a subject page from which day: a teacher leaving mid-year hands the page to
    another from a date; SubjectPage.teacher_id is the one of the open span."""

    __tablename__ = "page_teacher"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]

    __table_args__ = (
        UniqueConstraint("page_id", "start_date"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )


YEAR_CLOSE_STATES = ("applied", "undone")
OUTCOMES = ("promoted", "conditional", "repeats", "transferred", "graduated")


class YearClose(db.Model):
    """One application of the year close (000 4.1.4) by the director's order; `before` keeps
    what the apply changed, so undo restores it exactly until the new year's first mark."""

    __tablename__ = "year_close"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    new_year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id"))
    order_no: Mapped[str] = mapped_column(String(40))
    order_date: Mapped[dt.date]
    state: Mapped[str] = mapped_column(String(8), default="applied")
    applied_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(default=_now)
    undone_at: Mapped[dt.datetime | None]
    before: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (CheckConstraint("state IN ('applied', 'undone')", name="state"),)


class Promotion(db.Model):
    """What the year close decided for one pupil: promoted (to new_class_id), promoted
    conditionally (with a debt), repeats the year, transferred out, or graduated."""

    id: Mapped[int] = mapped_column(primary_key=True)
    close_id: Mapped[int] = mapped_column(ForeignKey("year_close.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    from_class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    new_class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        UniqueConstraint("close_id", "pupil_id"),
        CheckConstraint("outcome IN ('promoted', 'conditional', 'repeats', 'transferred', "
                        "'graduated')", name="outcome"),
    )


class MarkExcuse(db.Model):
    """A year mark that is explicitly not given (arrived late, studied at home, exempt from
    PE...): the year close does not list it as missing."""

    __tablename__ = "mark_excuse"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=_now)

    __table_args__ = (UniqueConstraint("page_id", "pupil_id"),)


EXAM_KINDS = ("OGE", "GVE", "EGE", "ENT", "school")


class Exam(db.Model):
    """One exam of the final attestation in the school's list (a setting): ОГЭ in
    mathematics for grade 9, ЕГЭ in Russian for grade 11..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    grade: Mapped[int]
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    name_ru: Mapped[str] = mapped_column(String(100))
    name_kk: Mapped[str] = mapped_column(String(100))
    max_points: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("kind", "grade", "name_ru"),
        CheckConstraint("kind IN ('OGE', 'GVE', 'EGE', 'ENT', 'school')", name="kind"),
        CheckConstraint("grade BETWEEN 1 AND 12", name="grade"),
        CheckConstraint("max_points IS NULL OR max_points BETWEEN 1 AND 1000",
                        name="max_points"),
    )

    def name(self, locale: str) -> str:
        return self.name_kk if locale == "kk" else self.name_ru


class ExamResult(db.Model):
    """A pupil's result in one exam of one year: points and/or a mark, entered by the deputy."""

    __tablename__ = "exam_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    taken_on: Mapped[dt.date | None]
    points: Mapped[int | None]
    mark: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    exam: Mapped[Exam] = relationship()

    __table_args__ = (
        UniqueConstraint("exam_id", "pupil_id", "year_id"),
        Index("ix_exam_result_year", "year_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points"),
        CheckConstraint("mark IS NULL OR mark BETWEEN 1 AND 10", name="mark"),
        CheckConstraint("points IS NOT NULL OR mark IS NOT NULL", name="some_result"),
    )
