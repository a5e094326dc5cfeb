"""Parents and legal representatives: several per pupil, several pupils per parent. Linking
an existing parent to a sibling is one step; duplicates are found by name and birth date or
by phone before a new card is made."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import Guardian, Person, Pupil, User
from services import audit
from services.people.common import PeopleError, PersonData, apply_person

RELATIONS = ("mother", "father", "guardian", "parent")


def digits(phone: str) -> str:
    """A phone number's digits, the country code folded: 8 701… and +7 701… are one number."""
    only = re.sub(r"[^0-9]", "", phone or "")
    if len(only) == 11 and only[0] in "78":
        only = "7" + only[1:]
    return only


def find_duplicates(data: PersonData) -> list[Person]:
    """People already in the school with the same name and birth date, or the same phone."""
    name = " ".join(p for p in (data.last_name, data.first_name, data.patronymic) if p).casefold()
    same_name = [p for p in db.session.scalars(select(Person).where(Person.search_name == name))
                 if data.birth_date is None or p.birth_date in (None, data.birth_date)]
    phone = digits(data.phone)
    if len(phone) < 7:
        return same_name
    tail = phone[-7:]  # narrows the query; digits() decides
    same_phone = [p for p in db.session.scalars(select(Person).where(
        Person.phone.contains(tail[:3]), Person.phone != "")) if digits(p.phone) == phone]
    return same_name + [p for p in same_phone if p not in same_name]


def link(actor: User, pupil: Pupil, person: Person, relation: str) -> Guardian:
    """Make an existing person a representative of the pupil (a sibling's parent)."""
    if relation not in RELATIONS:
        raise PeopleError(_("Choose who the person is to the pupil."), "relation")
    found = db.session.scalar(select(Guardian).where(Guardian.pupil_id == pupil.id,
                                                     Guardian.person_id == person.id))
    if found is not None:
        if found.relation != relation:
            found.relation = relation
        return found
    guardian = Guardian(pupil_id=pupil.id, person_id=person.id, relation=relation)
    db.session.add(guardian)
    db.session.flush()
    audit.record(actor, "guardian", guardian.id, "link",
                 {"person_id": person.id, "relation": relation}, pupil_id=pupil.id)
    return guardian


def add_new(actor: User, pupil: Pupil, data: PersonData, relation: str, today) -> Guardian:
    """A new person as the pupil's representative. Raises PeopleError."""
    data.check(today)
    person = Person(last_name="", first_name="", sex=data.sex)
    apply_person(person, data)
    db.session.add(person)
    db.session.flush()
    return link(actor, pupil, person, relation)


def unlink(actor: User, guardian: Guardian) -> None:
    """The person is no longer the pupil's representative (their card stays)."""
    audit.record(actor, "guardian", guardian.id, "unlink",
                 {"person_id": guardian.person_id}, pupil_id=guardian.pupil_id)
    db.session.delete(guardian)
