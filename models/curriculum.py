"""Subjects, work types, subject pages, bells, the timetable and the thematic plan."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.people import Staff
    from models.school import SchoolClass, Subgroup


class Subject(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_ru: Mapped[str] = mapped_column(String(100))
    name_kk: Mapped[str] = mapped_column(String(100))

    def name(self, locale: str) -> str:
        return self.name_kk if locale == "kk" else self.name_ru


# Which edit-lock window a work type falls under (DOMAIN.md 4).
LOCK_RULES = ("current", "control", "essay")


class WorkType(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_ru: Mapped[str] = mapped_column(String(60))
    name_kk: Mapped[str] = mapped_column(String(60))
    weight: Mapped[int] = mapped_column(default=1)
    lock_rule: Mapped[str] = mapped_column(String(10), default="current")
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 10", name="weight"),
        CheckConstraint("lock_rule IN ('current', 'control', 'essay')", name="lock_rule"),
    )

    def name(self, locale: str) -> str:
        return self.name_kk if locale == "kk" else self.name_ru


class SubjectPage(db.Model):
    """A class (or one of its subgroups) x subject x teacher: one page of the journal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    subgroup_id: Mapped[int | None] = mapped_column(ForeignKey("subgroup.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    hours_per_week: Mapped[int] = mapped_column(default=1)
    # Set when year marks are final: the subject teacher can no longer edit (001 3.7).
    year_closed_on: Mapped[dt.date | None]

    school_class: Mapped[SchoolClass] = relationship(lazy="joined")
    subgroup: Mapped[Subgroup | None] = relationship()
    subject: Mapped[Subject] = relationship(lazy="joined")
    teacher: Mapped[Staff] = relationship()

    __table_args__ = (
        UniqueConstraint("class_id", "subgroup_id", "subject_id"),
        CheckConstraint("hours_per_week BETWEEN 0 AND 12", name="hours"),
    )


class Bell(db.Model):
    """When lesson number N starts and ends."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    starts: Mapped[dt.time]
    ends: Mapped[dt.time]

    __table_args__ = (
        CheckConstraint("number BETWEEN 0 AND 12", name="number"),
        CheckConstraint("ends > starts", name="times"),
    )


class TimetableSlot(db.Model):
    """A subject page is taught on this weekday (1 = Monday) as lesson number N."""

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("subject_page.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    lesson_number: Mapped[int]
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date]
    room: Mapped[str] = mapped_column(String(20), default="")

    page: Mapped[SubjectPage] = relationship()

    __table_args__ = (
        UniqueConstraint("page_id", "weekday", "lesson_number", "valid_from"),
        Index("ix_timetable_slot_page", "page_id"),
        CheckConstraint("weekday BETWEEN 1 AND 6", name="weekday"),
        CheckConstraint("lesson_number BETWEEN 0 AND 12", name="lesson_number"),
        CheckConstraint("valid_to >= valid_from", name="dates"),
    )


class PlanItem(db.Model):
    """One numbered topic of a teacher's calendar-thematic plan (КТП) for a subject and grade."""

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"))
    grade: Mapped[int]
    number: Mapped[int]
    topic: Mapped[str] = mapped_column(String(300))
    hours: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        UniqueConstraint("teacher_id", "subject_id", "grade", "number"),
        CheckConstraint("hours BETWEEN 1 AND 50", name="hours"),
        CheckConstraint("number >= 1", name="number"),
    )
