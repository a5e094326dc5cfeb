"""What the regulation's account timings (001 III 3.1) make overdue today, for the
administrator's list: staff without access N days after starting, staff who left with an
account still switched on, families without an account N days after enrolment (with consent
in force), and families of pupils who left with accounts still switched on.

Access ends by itself on the day (services.accounts.access): "switched on" means the account
has not been disabled formally yet. A fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from extensions import db
from models import Guardian, Person, Pupil, School, Staff, User, UserRole
from services.accounts.access import consent_in_force_clause


@dataclass
class Overdue:
    staff_without: list[Staff] = field(default_factory=list)
    staff_left: list[tuple[Staff, User]] = field(default_factory=list)
    families_without: list[Pupil] = field(default_factory=list)
    families_left: list[tuple[Pupil, User]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (len(self.staff_without) + len(self.staff_left) + len(self.families_without)
                + len(self.families_left))


def overdue(school: School, today: dt.date) -> Overdue:
    out = Overdue()
    start_by = today - dt.timedelta(days=school.staff_access_days)
    out.staff_without = list(db.session.scalars(
        select(Staff).outerjoin(User, User.person_id == Staff.person_id)
        .where(Staff.hired_on <= start_by, (Staff.left_on.is_(None)) | (Staff.left_on > today),
               User.issued_at.is_(None))
        .join(Person, Person.id == Staff.person_id).order_by(Person.search_name)))
    end_by = today - dt.timedelta(days=school.access_end_days)
    out.staff_left = [tuple(r) for r in db.session.execute(
        select(Staff, User).join(User, User.person_id == Staff.person_id)
        .where(Staff.left_on <= end_by, User.active))]
    out.families_without = _families_without(school, today)
    out.families_left = [tuple(r) for r in db.session.execute(
        select(Pupil, User).join(Guardian, Guardian.pupil_id == Pupil.id)
        .join(User, User.person_id == Guardian.person_id)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "parent"))
        .where(Pupil.left_on <= end_by, User.active))]
    return out


def _families_without(school: School, today: dt.date) -> list[Pupil]:
    """Pupils enrolled N days or more ago, with consent in force, whose representatives have
    no issued account at all."""
    since = today - dt.timedelta(days=school.family_access_days)
    issued_parent = select(Guardian.pupil_id).join(
        User, User.person_id == Guardian.person_id).where(User.issued_at.is_not(None))
    return list(db.session.scalars(
        select(Pupil).join(Person, Person.id == Pupil.person_id)
        .where(Pupil.left_on.is_(None), Pupil.enrolled_on <= since,
               consent_in_force_clause(today), Pupil.id.not_in(issued_parent))
        .order_by(Pupil.class_id, Person.search_name)))
