"""Consent to personal-data processing (152-ФЗ, law 94-V; DOMAIN.md 9): the school's texts
and who consented for which pupil, when, to which text, and when it was revoked."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.people import Person, Pupil


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ConsentText(db.Model):
    """One version of the school's consent form, in Russian and Kazakh."""

    __tablename__ = "consent_text"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    text_ru: Mapped[str] = mapped_column(Text)
    text_kk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)

    def text(self, locale: str) -> str:
        return self.text_kk if locale == "kk" else self.text_ru


class Consent(db.Model):
    """A legal representative's consent for a pupil; revoking keeps the row."""

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    text_id: Mapped[int] = mapped_column(ForeignKey("consent_text.id"))
    given_on: Mapped[dt.date]
    revoked_on: Mapped[dt.date | None]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=_now)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    pupil: Mapped[Pupil] = relationship()
    giver: Mapped[Person] = relationship()
    consent_text: Mapped[ConsentText] = relationship()

    __table_args__ = (
        CheckConstraint("revoked_on IS NULL OR revoked_on >= given_on", name="dates"),
        Index("ix_consent_pupil_dates", "pupil_id", "given_on", "revoked_on"),
    )

    def in_force(self, day: dt.date) -> bool:
        return self.given_on <= day and (self.revoked_on is None or self.revoked_on > day)
