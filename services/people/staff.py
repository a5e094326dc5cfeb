"""Staff cards: the person, the post, the subjects, the dates of work, and the roles."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import Person, Staff, Subject, User
from models.users import STAFF_ROLES
from services import audit
from services.accounts.issue import account_of, staff_account
from services.people.common import PERSON_FIELDS, PeopleError, PersonData, apply_person

STAFF_FIELDS = ("position", "hired_on", "left_on")
LEVELS = ("primary", "basic", "secondary")


def check_roles(roles: dict[str, str | None]) -> None:
    if not roles:
        raise PeopleError(_("Choose at least one role."), "roles")
    if not set(roles) <= STAFF_ROLES:
        raise PeopleError(_("Choose roles from the list."), "roles")
    if roles.get("deputy") not in (None, *LEVELS):
        raise PeopleError(_("Choose the level the deputy is limited to from the list."), "roles")


def _check_dates(hired_on: dt.date | None, left_on: dt.date | None) -> None:
    if hired_on and left_on and left_on < hired_on:
        raise PeopleError(_("The day of leaving cannot be before the day of starting."),
                          "left_on")


def save_staff(actor: User, staff: Staff | None, data: PersonData, position: str,
               hired_on: dt.date | None, left_on: dt.date | None,
               roles: dict[str, str | None], subject_ids: list[int],
               today: dt.date) -> Staff:
    """Create (staff None) or change a staff card with its roles and subjects; audited.

    The account (with the roles) exists from the card on but opens nothing until issued;
    from the day of leaving it stops working. Raises PeopleError.
    """
    data.check(today)
    check_roles(roles)
    _check_dates(hired_on, left_on)
    subjects = list(db.session.scalars(select(Subject).where(Subject.id.in_(subject_ids))))
    if len(subjects) != len(set(subject_ids)):
        raise PeopleError(_("Choose subjects from the list."), "subjects")
    if staff is None:
        person = Person(last_name="", first_name="", sex="f")
        db.session.add(person)
        staff = Staff(person=person)
        db.session.add(staff)
        before = {}
    else:
        before = {**audit.snapshot(staff.person, PERSON_FIELDS),
                  **audit.snapshot(staff, STAFF_FIELDS), **_roles_of(staff.person)}
    apply_person(staff.person, data)
    staff.position, staff.hired_on, staff.left_on = position.strip(), hired_on, left_on
    staff.subjects = subjects
    db.session.flush()
    staff_account(staff.person, roles)
    after = {**audit.snapshot(staff.person, PERSON_FIELDS),
             **audit.snapshot(staff, STAFF_FIELDS), **_roles_of(staff.person, roles)}
    audit.record_change(actor, "staff", staff.id, before, after,
                        "update" if before else "create")
    return staff


def _roles_of(person: Person, roles: dict[str, str | None] | None = None) -> dict[str, str]:
    if roles is None:
        user = account_of(person)
        roles = {r.role: r.scope for r in user.roles} if user else {}
    return {"roles": ", ".join(f"{r}:{s}" if s else r for r, s in sorted(roles.items())
                               if r in STAFF_ROLES)}
