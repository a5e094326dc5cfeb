"""People: staff, pupils and their legal representatives, kept apart from user accounts."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.curriculum import Subject
    from models.school import SchoolClass
    from models.users import User


class Person(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(60))
    first_name: Mapped[str] = mapped_column(String(60))
    patronymic: Mapped[str] = mapped_column(String(60), default="")
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None]
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # SQLite's lower() folds ASCII only: a casefolded copy makes Cyrillic search work.
    search_name: Mapped[str] = mapped_column(String(200), index=True, default="")

    # Read-only views for lists (loaded in one query per page with selectinload).
    guardianships: Mapped[list[Guardian]] = relationship(viewonly=True,
                                                         foreign_keys="Guardian.person_id")
    users: Mapped[list[User]] = relationship(viewonly=True, foreign_keys="User.person_id")

    __table_args__ = (CheckConstraint("sex IN ('m', 'f')", name="sex"),)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        """Иванова А. П. — how a journal names a person."""
        return Person.short_of(self.last_name, self.first_name, self.patronymic)

    @staticmethod
    def short_of(last: str, first: str | None, middle: str | None) -> str:
        """The short name of a person read as plain columns (no object per row)."""
        initials = " ".join(f"{p[0]}." for p in (first, middle) if p)
        return f"{last} {initials}".strip()

    def refresh_search_name(self) -> None:
        self.search_name = self.full_name.casefold()


class Staff(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    position: Mapped[str] = mapped_column(String(80), default="")
    hired_on: Mapped[dt.date | None]
    # From this day the person's account stops working (001 III 3.1); history stays.
    left_on: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(lazy="joined")
    subjects: Mapped[list[Subject]] = relationship(secondary="staff_subject",
                                                   order_by="Subject.name_ru")

    __table_args__ = (
        CheckConstraint("left_on IS NULL OR hired_on IS NULL OR left_on >= hired_on",
                        name="dates"),
    )

    @property
    def name(self) -> str:
        return self.person.short_name


class StaffSubject(db.Model):
    """The subjects a member of staff teaches (their card; the teaching load is per page)."""

    __tablename__ = "staff_subject"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"),
                                          primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), primary_key=True)


MEDICAL_GROUPS = ("main", "preparatory", "special", "exempt")
DEPARTURE_REASONS = ("transfer", "expulsion", "graduation", "other")


class Pupil(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    # The class the pupil is in now; history per year lives in Enrolment.
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"), index=True)
    enrolled_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]
    # Consent of the legal representative to personal-data processing (DOMAIN.md 9): the date
    # of the consent in force, kept in step with the Consent rows by services.people.consent.
    consent_on: Mapped[dt.date | None]
    # Health data (DOMAIN.md 9): the class teacher, the administration and the family only.
    medical_group: Mapped[str | None] = mapped_column(String(12))
    medical_notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    person: Mapped[Person] = relationship(lazy="joined")
    school_class: Mapped[SchoolClass | None] = relationship()

    __table_args__ = (
        CheckConstraint("medical_group IS NULL OR medical_group IN "
                        "('main', 'preparatory', 'special', 'exempt')", name="medical_group"),
    )

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
    # The director's order that enrolled the pupil, and the one that ended this enrolment.
    order_no: Mapped[str] = mapped_column(String(40), default="", server_default="")
    order_date: Mapped[dt.date | None]
    end_reason: Mapped[str | None] = mapped_column(String(12))
    end_order_no: Mapped[str] = mapped_column(String(40), default="", server_default="")
    end_order_date: Mapped[dt.date | None]

    pupil: Mapped[Pupil] = relationship()
    school_class: Mapped[SchoolClass] = relationship()

    __table_args__ = (
        UniqueConstraint("pupil_id", "class_id", "start_date"),
        Index("ix_enrolment_class", "class_id", "pupil_id"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("end_reason IS NULL OR end_reason IN "
                        "('transfer', 'expulsion', 'graduation', 'other', 'moved')",
                        name="end_reason"),
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
