"""Who may sign in today (001 III 3.1; DOMAIN.md 4 "Accounts"), decided from the dates it
depends on each time it is asked, so access ends on the day without anyone acting:

- staff: until the day they leave (Staff.left_on; from that day the account stops working);
- a pupil: while enrolled and a consent to personal-data processing is in force;
- a parent: while at least one of their children is so.

A person with several roles keeps access while any of them grants it. Nothing is deleted:
history stays, and access comes back if the dates say so (a consent given again).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select

from extensions import db
from models import Consent, Guardian, Pupil, Staff, User
from models.users import STAFF_ROLES


@dataclass(frozen=True)
class AccessState:
    ok: bool
    reason: str = ""


def consent_in_force_clause(day: dt.date):
    """EXISTS a consent in force on the day for Pupil (correlated with the enclosing query)."""
    return exists().where(Consent.pupil_id == Pupil.id, Consent.given_on <= day,
                          or_(Consent.revoked_on.is_(None), Consent.revoked_on > day))


def enrolled_clause(day: dt.date):
    return or_(Pupil.left_on.is_(None), Pupil.left_on > day)


def may_sign_in(user: User, day: dt.date, staff: Staff | None | bool = False) -> AccessState:
    """Whether the account works on this day, and if not, why (translated).

    staff: the user's staff record when the caller has read it already (None: has none);
    False means "not read": it is read here when the user holds a staff role.
    """
    if not user.active:
        return AccessState(False, _("This account is disabled. Ask the journal administrator."))
    roles = user.role_names
    left_on = None
    if roles & STAFF_ROLES:
        if staff is False:
            staff = db.session.scalar(select(Staff).where(Staff.person_id == user.person_id))
        if staff is None or staff.left_on is None or staff.left_on > day:
            return AccessState(True)
        left_on = staff.left_on
    if roles & {"parent", "pupil"} and _family_access(user, roles, day):
        return AccessState(True)
    if left_on is not None:
        return AccessState(False, _("Your work at the school ended on %(date)s: this account "
                                    "no longer opens the journal.", date=left_on.isoformat()))
    if roles & {"parent", "pupil"}:
        return AccessState(False, _("There is no consent to personal-data processing in force "
                                    "for the pupil, or the pupil has left the school: the "
                                    "account is closed. Ask the class teacher."))
    return AccessState(False, _("This account has no role in the school. Ask the journal "
                                "administrator."))


def _family_access(user: User, roles: frozenset[str], day: dt.date) -> bool:
    """One query: a pupil (the user, or a child of theirs) enrolled with consent in force."""
    mine = []
    if "pupil" in roles:
        mine.append(Pupil.person_id == user.person_id)
    if "parent" in roles:
        mine.append(Pupil.id.in_(select(Guardian.pupil_id).where(
            Guardian.person_id == user.person_id)))
    return db.session.scalar(select(Pupil.id).where(
        or_(*mine), and_(enrolled_clause(day), consent_in_force_clause(day))).limit(1)) is not None
