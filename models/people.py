"""People: staff, pupils and their legal representatives, kept apart from user accounts."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.school import SchoolClass


class Person(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str] = mapped_column(String(60))
    patronymic: Mapped[str] = mapped_column(String(60), default="")
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None]
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    # SQLite's lower() folds ASCII only: a casefolded copy makes Cyrillic search work.
    search_name: Mapped[str] = mapped_column(String(200), index=True, default="")

    __table_args__ = (CheckConstraint("sex IN ('m', 'f')", name="sex"),)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """Иванова А. П. — how a journal names a person."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip()

    def refresh_search_name(self) -> None:
        self.search_name = self.full_name.casefold()


class Staff(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    position: Mapped[str] = mapped_column(String(80), default="")
    hired_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def name(self) -> str:
        return self.person.short_name


class Pupil(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    # The class the pupil is in now; history per year lives in Enrolment.
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    enrolled_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]
    # Consent of the legal representative to personal-data processing (DOMAIN.md 9).
    consent_on: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(lazy="joined")
    school_class: Mapped[SchoolClass | None] = relationship()

    @property
    def name(self) -> str:
        return self.person.full_name


class Enrolment(db.Model):
    """A pupil's membership of a class over dates; journals list pupils through it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]

    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (
        UniqueConstraint("pupil_id", "class_id", "start_date"),
        Index("ix_enrolment_class", "class_id", "pupil_id"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )


class Guardian(db.Model):
    """A parent or legal representative (a Person) of a pupil."""

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    relation: Mapped[str] = mapped_column(String(12), default="parent")

    person: Mapped[Person] = relationship()
    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (
        UniqueConstraint("person_id", "pupil_id"),
        CheckConstraint(
            "relation IN ('mother', 'father', 'guardian', 'parent')", name="relation"
        ),
    )
