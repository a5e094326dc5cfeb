"""Issuing accounts: a username made from the name, a one-time password the person changes at
the first sign-in, resetting and disabling. Who may do it is asked of services.policy.

A staff member's account exists from their card (their roles live on it) but opens nothing
until it is issued; a parent's or pupil's account is made when it is issued, and only while a
consent to personal-data processing is in force (DOMAIN.md 4, 9).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from extensions import db
from models import Guardian, Person, Pupil, School, SchoolClass, Staff, User, UserRole
from services import audit, clock
from services.accounts.access import consent_in_force_clause, enrolled_clause
from services.accounts.latin import latin

# No 0/o, 1/l/i: a slip is read off paper and typed on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
FAMILY_ROLES = ("parent", "pupil")
# What a username may hold: it is typed on any phone keyboard, so Latin letters, digits, dot,
# hyphen and underscore only (the ones we make from names look like ivanova.a2).
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$"


class AccountError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_username(person: Person) -> str:
    """ivanova.a, then ivanova.a2, ivanova.a3... (one query for the taken ones)."""
    base = (latin(person.last_name) or "user")[:40] + "." + (latin(person.first_name)[:1] or "x")
    taken = set(db.session.scalars(select(func.lower(User.username)).where(
        func.lower(User.username).like(base + "%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def one_time_password() -> str:
    """Eight random letters and digits in two groups: "k7mp-2xqd" (about 40 bits; sign-in
    attempts are slowed down after failures)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def account_of(person: Person) -> User | None:
    return db.session.scalar(select(User).where(User.person_id == person.id))


def staff_account(person: Person, roles: dict[str, str | None]) -> User:
    """The account of a staff card with these roles ({role: deputy scope}); made unissued
    (an unusable password) when the card is new."""
    user = account_of(person)
    if user is None:
        user = User(username=new_username(person), person_id=person.id)
        user.set_password(secrets.token_urlsafe(24))
        db.session.add(user)
    set_roles(user, roles)
    return user


def set_roles(user: User, roles: dict[str, str | None]) -> None:
    """Replace the staff roles of an account; family roles stay as they are."""
    # Rows are changed in place: replacing the list would insert the new "teacher" row
    # before deleting the old one and trip UNIQUE(user_id, role).
    wanted = {role: (scope if role == "deputy" else None) for role, scope in roles.items()}
    for row in list(user.roles):
        if row.role in FAMILY_ROLES:
            continue
        if row.role in wanted:
            row.scope = wanted.pop(row.role)
        else:
            user.roles.remove(row)
    user.roles.extend(UserRole(role=role, scope=scope) for role, scope in sorted(wanted.items()))


@dataclass
class Issued:
    user: User
    password: str
    person: Person


def issue(actor: User, person: Person, role: str, school: School | None,
          day: dt.date | None = None) -> Issued:
    """Give the person a working account with a one-time password (a new account, or a new
    password for an existing one). Raises AccountError when the rules do not allow it."""
    day = day or clock.today()
    _check_may_have(person, role, day)
    user = account_of(person)
    if user is None:
        user = User(username=new_username(person), person_id=person.id,
                    locale=_family_locale(person, school) if role in FAMILY_ROLES else None)
        db.session.add(user)
    if role not in user.role_names:
        user.roles = [*user.roles, UserRole(role=role)]
    password = one_time_password()
    user.set_password(password)
    user.must_change_password, user.active = True, True
    user.issued_at, user.issued_by = clock.utcnow().replace(tzinfo=None), actor.id
    user.end_sessions()
    db.session.flush()
    audit.record(actor, "account", user.id, "issue", {"role": role, "username": user.username})
    return Issued(user, password, person)


def disable(actor: User, user: User) -> None:
    """The account stops working at once; nothing it wrote is touched."""
    user.active = False
    user.end_sessions()
    audit.record(actor, "account", user.id, "disable")


def enable(actor: User, user: User) -> None:
    user.active = True
    audit.record(actor, "account", user.id, "enable")


def _check_may_have(person: Person, role: str, day: dt.date) -> None:
    if role == "staff":
        staff = db.session.scalar(select(Staff).where(Staff.person_id == person.id))
        if staff is None:
            raise AccountError(_("Only a member of staff gets a staff account."))
        if staff.left_on is not None and staff.left_on <= day:
            raise AccountError(_("This person has left the school: no account is issued."))
        return
    if role == "pupil":
        ok = db.session.scalar(select(Pupil.id).where(
            Pupil.person_id == person.id, enrolled_clause(day), consent_in_force_clause(day)))
    elif role == "parent":
        ok = db.session.scalar(select(Pupil.id).join(Guardian, Guardian.pupil_id == Pupil.id)
                               .where(Guardian.person_id == person.id, enrolled_clause(day),
                                      consent_in_force_clause(day)).limit(1))
    else:
        raise AccountError(_("Unknown role."))
    if ok is None:
        raise AccountError(_("No account without a consent to personal-data processing in "
                             "force: record the consent first."))


def _family_locale(person: Person, school: School | None) -> str | None:
    """A family reads in the language of the child's class (a Kazakh class: Kazakh)."""
    language = db.session.scalar(
        select(SchoolClass.language).join(Pupil, Pupil.class_id == SchoolClass.id)
        .outerjoin(Guardian, Guardian.pupil_id == Pupil.id)
        .where((Pupil.person_id == person.id) | (Guardian.person_id == person.id)).limit(1))
    return language or (school.default_locale if school else None)
