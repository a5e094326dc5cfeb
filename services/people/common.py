"""What the people services share: the errors they raise and a person's name fields."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

from models import Person

PERSON_FIELDS = ("last_name", "first_name", "patronymic", "sex", "birth_date", "phone",
                 "email", "address")


class PeopleError(ValueError):
    """A change the rules refuse; `field` names the form field it concerns (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class PersonData:
    """A person's card fields as a form or an import row gives them, already stripped."""

    last_name: str
    first_name: str
    patronymic: str = ""
    sex: str = "f"
    birth_date: dt.date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""

    def check(self, today: dt.date) -> None:
        """Raise PeopleError for a value no card may hold."""
        if not self.last_name.strip() or not self.first_name.strip():
            raise PeopleError(_("Enter the last name and the first name."), "last_name")
        if self.sex not in ("m", "f"):
            raise PeopleError(_("Choose the sex."), "sex")
        if self.birth_date is not None and not (
                dt.date(1900, 1, 1) <= self.birth_date <= today):
            raise PeopleError(_("The birth date must be in the past."), "birth_date")


def apply_person(person: Person, data: PersonData) -> None:
    """Copy the card fields onto the person and keep the search copy of the name."""
    for name in PERSON_FIELDS:
        setattr(person, name, getattr(data, name))
    person.refresh_search_name()
