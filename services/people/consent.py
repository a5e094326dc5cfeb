"""Consent to personal-data processing (DOMAIN.md 9): recorded per pupil by the class teacher
or the secretary — who gave it (one of the pupil's representatives), when, to which version
of the school's text — and revocable. Without one in force no parent or pupil account is
issued or works (services.accounts.access)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import or_, select

from extensions import db
from models import Consent, ConsentText, Guardian, Person, Pupil, User
from services import audit
from services.people.common import PeopleError


def texts() -> list[ConsentText]:
    """The school's consent texts, newest first."""
    return list(db.session.scalars(select(ConsentText).order_by(ConsentText.created_at.desc(),
                                                                ConsentText.id.desc())))


def add_text(actor: User, version: str, text_ru: str, text_kk: str) -> ConsentText:
    """A new version of the consent form, in both languages."""
    version, text_ru, text_kk = version.strip(), text_ru.strip(), text_kk.strip()
    if not version or not text_ru or not text_kk:
        raise PeopleError(_("Give the version and the text in Russian and in Kazakh."))
    if db.session.scalar(select(ConsentText.id).where(ConsentText.version == version)):
        raise PeopleError(_("This version already exists: give the new text a new version."),
                          "version")
    text = ConsentText(version=version, text_ru=text_ru, text_kk=text_kk)
    db.session.add(text)
    db.session.flush()
    audit.record(actor, "consent_text", text.id, "create", {"version": version})
    return text


def in_force(pupil: Pupil, day: dt.date) -> Consent | None:
    """The consent in force for the pupil on the day, if any (the latest given)."""
    return db.session.scalar(select(Consent).where(
        Consent.pupil_id == pupil.id, Consent.given_on <= day,
        or_(Consent.revoked_on.is_(None), Consent.revoked_on > day))
        .order_by(Consent.given_on.desc(), Consent.id.desc()).limit(1))


def pupils_in_force(pupil_ids: list[int], day: dt.date) -> set[int]:
    """Which of these pupils have a consent in force on the day (one query)."""
    if not pupil_ids:
        return set()
    return set(db.session.scalars(select(Consent.pupil_id).where(
        Consent.pupil_id.in_(pupil_ids), Consent.given_on <= day,
        or_(Consent.revoked_on.is_(None), Consent.revoked_on > day))))


def of_pupil(pupil: Pupil) -> list[Consent]:
    return list(db.session.scalars(select(Consent).where(Consent.pupil_id == pupil.id)
                                   .order_by(Consent.given_on.desc(), Consent.id.desc())))


def give(actor: User, pupil: Pupil, giver: Person, text: ConsentText, on: dt.date,
         today: dt.date) -> Consent:
    """Record a consent given by one of the pupil's representatives on a day (not in the
    future). Raises PeopleError."""
    if on > today:
        raise PeopleError(_("The consent cannot be dated in the future."), "given_on")
    is_guardian = db.session.scalar(select(Guardian.id).where(
        Guardian.pupil_id == pupil.id, Guardian.person_id == giver.id)) is not None
    if not is_guardian and giver.id != pupil.person_id:
        raise PeopleError(_("The consent is given by one of the pupil's parents or legal "
                            "representatives: add them to the card first."), "giver")
    consent = Consent(pupil_id=pupil.id, giver_id=giver.id, text_id=text.id, given_on=on,
                      recorded_by=actor.id)
    db.session.add(consent)
    db.session.flush()
    _sync(pupil, today)
    audit.record(actor, "consent", consent.id, "give",
                 {"giver_id": giver.id, "version": text.version, "given_on": on},
                 pupil_id=pupil.id)
    return consent


def revoke(actor: User, consent: Consent, on: dt.date, today: dt.date) -> None:
    """The consent ends on a day (from then on the family's accounts stop working)."""
    if consent.revoked_on is not None:
        raise PeopleError(_("This consent has already been revoked."))
    if on < consent.given_on:
        raise PeopleError(_("A consent cannot end before it was given."), "revoked_on")
    consent.revoked_on, consent.revoked_by = on, actor.id
    _sync(consent.pupil, today)
    audit.record(actor, "consent", consent.id, "revoke", {"revoked_on": on},
                 pupil_id=consent.pupil_id)


def _sync(pupil: Pupil, today: dt.date) -> None:
    """Keep the pupil's consent date (shown in lists) in step with the consent rows."""
    db.session.flush()
    current = in_force(pupil, today)
    pupil.consent_on = current.given_on if current else None
