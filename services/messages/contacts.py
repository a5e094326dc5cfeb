"""Whom a user may pick as a recipient: never a list of all users.

A family (parent or pupil) gets the staff connected to each child, grouped by child (the
ids come from policy.family_staff_contact_ids); staff get the other staff and, for a class
they may reach (policy.reachable_class_ids), that class's pupils and parents. A choice is a
value "user_id" or "user_id:pupil_id" (the child the conversation is about); whatever is
chosen is checked again by policy.can_message when the message is sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from extensions import db
from models import Guardian, Person, Pupil, SchoolClass, Staff, Subject, SubjectPage, User
from models.users import STAFF_ROLES, UserRole
from services import policy

_CHOICE = re.compile(r"([0-9]{1,12})(?::([0-9]{1,12}))?")


@dataclass
class Contact:
    value: str
    name: str
    note: str = ""


@dataclass
class Group:
    title: str
    contacts: list[Contact] = field(default_factory=list)


def parse_choice(raw: str | None) -> tuple[int, int | None] | None:
    """(user id, pupil id or None) of a picker's value, or None for anything else."""
    match = _CHOICE.fullmatch((raw or "").strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def _value(user_id: int, pupil_id: int | None) -> str:
    return f"{user_id}:{pupil_id}" if pupil_id else str(user_id)


def family_groups(user: User, locale: str) -> list[Group]:
    """Per child: the class teacher and the subject teachers; for a parent, the
    administration last. Three queries whatever the number of children."""
    allowed = policy.family_staff_contact_ids(user)
    kids = [k for k in policy.children_of(user) if k.class_id is not None]
    if not allowed or not kids:
        return []
    by_class: dict[int, list[tuple[int, str, str]]] = {}
    leaders = db.session.execute(
        select(SchoolClass.id, User.id, Person.last_name, Person.first_name, Person.patronymic)
        .join(Staff, Staff.id == SchoolClass.class_teacher_id)
        .join(User, User.person_id == Staff.person_id).join(Person, Person.id == Staff.person_id)
        .where(SchoolClass.id.in_({k.class_id for k in kids}), User.id.in_(allowed)))
    for cid, uid, *name in leaders:
        by_class.setdefault(cid, []).append((uid, Person.short_of(*name), _("class teacher")))
    teachers = db.session.execute(
        select(SubjectPage.class_id, User.id, Person.last_name, Person.first_name,
               Person.patronymic, Subject.name_ru, Subject.name_kk)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(Staff, Staff.id == SubjectPage.teacher_id)
        .join(User, User.person_id == Staff.person_id).join(Person, Person.id == Staff.person_id)
        .where(SubjectPage.class_id.in_({k.class_id for k in kids}), User.id.in_(allowed))
        .order_by(Person.last_name, Subject.name_ru))
    for cid, uid, last, first, middle, ru, kk in teachers:
        by_class.setdefault(cid, []).append(
            (uid, Person.short_of(last, first, middle), kk if locale == "kk" else ru))
    groups = [Group(k.person.short_name, _merge(by_class.get(k.class_id, []), k.id))
              for k in kids]
    staff_of_kids = {c.value.split(":")[0] for g in groups for c in g.contacts}
    admin = [Contact(str(uid), name) for uid, name in _names(allowed)
             if str(uid) not in staff_of_kids]
    if admin and user.has_role("parent"):
        groups.append(Group(_("Administration"), admin))
    return groups


def _merge(rows: list[tuple[int, str, str]], pupil_id: int) -> list[Contact]:
    """One entry per teacher, their roles and subjects joined."""
    seen: dict[int, Contact] = {}
    for uid, name, note in rows:
        if uid in seen:
            if note not in seen[uid].note:
                seen[uid].note += f", {note}"
        else:
            seen[uid] = Contact(_value(uid, pupil_id), name, note)
    return list(seen.values())


def _names(user_ids) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, Person.last_name, Person.first_name, Person.patronymic)
        .join(Person, Person.id == User.person_id).where(User.id.in_(user_ids))
        .order_by(Person.last_name, Person.first_name))
    return [(uid, Person.short_of(*name)) for uid, *name in rows]


def staff_contacts(user: User) -> list[Contact]:
    """Every other active member of staff (one query): staff may write to staff."""
    if not policy.is_staff(user):
        return []
    ids = select(UserRole.user_id).where(UserRole.role.in_(STAFF_ROLES))
    rows = db.session.execute(
        select(User.id, Person.last_name, Person.first_name, Person.patronymic)
        .join(Person, Person.id == User.person_id)
        .where(User.active, User.id.in_(ids), User.id != user.id)
        .order_by(Person.last_name, Person.first_name))
    return [Contact(str(uid), Person.short_of(*name)) for uid, *name in rows]


def reachable_classes(user: User) -> list[SchoolClass]:
    """The classes whose families this member of staff may write to, in order."""
    ids = policy.reachable_class_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(ids))
                                   .order_by(SchoolClass.grade, SchoolClass.letter)))


def class_contacts(user: User, class_id: int) -> list[Contact] | None:
    """A reachable class's pupils with an account and their parents with one, by pupil
    (two queries); None for a class this user may not reach."""
    if class_id not in policy.reachable_class_ids(user):
        return None
    kid = aliased(Person)
    pupils = db.session.execute(
        select(Pupil.id, User.id, kid.last_name, kid.first_name)
        .join(kid, kid.id == Pupil.person_id).join(User, User.person_id == Pupil.person_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "pupil"))
        .where(Pupil.class_id == class_id, User.active)).all()
    parents = db.session.execute(
        select(Pupil.id, User.id, kid.last_name, kid.first_name, Person.last_name,
               Person.first_name, Person.patronymic)
        .join(kid, kid.id == Pupil.person_id)
        .join(Guardian, Guardian.pupil_id == Pupil.id)
        .join(User, User.person_id == Guardian.person_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "parent"))
        .join(Person, Person.id == Guardian.person_id)
        .where(Pupil.class_id == class_id, User.active)).all()
    out = [((last, first, 0), Contact(_value(uid, pid), f"{last} {first}", _("pupil")))
           for pid, uid, last, first in pupils]
    out += [((last, first, 1), Contact(_value(uid, pid), Person.short_of(*parent),
                                       _("parent of %(name)s", name=f"{last} {first}")))
            for pid, uid, last, first, *parent in parents]
    return [c for _key, c in sorted(out, key=lambda pair: pair[0])]
