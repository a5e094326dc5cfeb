"""Which new passwords are refused: too short, too common, or made of the person's own name.

The well-known demo password is allowed only in the demo school (School.is_demo): a real
school that started from the demo must not keep it.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext

from models import Person, School
from services.accounts.latin import latin

DEMO_PASSWORD = "demo-password"
MAX_LENGTH = 200


class PasswordRefused(ValueError):
    """A new password the school's rules refuse; the message says which rule."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def check_new_password(password: str, school: School | None, username: str = "",
                       person: Person | None = None) -> None:
    """Raise PasswordRefused unless the password may be set for this account."""
    minimum = (school.min_password_length if school else None) or 8
    if len(password) < minimum:
        raise PasswordRefused(ngettext("The password must have at least %(num)d character.",
                                       "The password must have at least %(num)d characters.",
                                       minimum))
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(_("The password is too long: at most %(n)d characters.",
                                n=MAX_LENGTH))
    if password == DEMO_PASSWORD and school is not None and school.is_demo:
        return
    folded = password.casefold()
    if folded in common_passwords() or re.sub(r"[0-9]+$", "", folded) in common_passwords() \
            or folded == DEMO_PASSWORD or len(set(folded)) <= 2:
        raise PasswordRefused(_("This password is among the most common ones and easy to "
                                "guess: choose another."))
    names = {username.casefold()} if username else set()
    if person is not None:
        for name in (person.last_name, person.first_name):
            if len(name) > 2:
                names |= {name.casefold(), latin(name)}  # "Антонова" typed as "antonova"
    if any(name and name in folded for name in names):
        raise PasswordRefused(_("The password must not contain your name or username."))
