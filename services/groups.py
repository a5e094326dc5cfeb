"""Subgroups of a class (DOMAIN.md 2: the class teacher, with the subject teacher, splits a
class for a subject): making groups, putting pupils in them, moving a pupil to another group
from a day. A membership has dates (SubgroupMember.start_date/end_date, None: from the start
/ to the end of the year), so a pupil moved from group 1 to group 2 keeps every mark of
group 1's lessons: marks belong to lessons, and the grid of group 1 still lists the pupil for
the days before the move, like a pupil who left the class.

Plain functions: they raise GroupError with a translated message and never commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select, union_all

from extensions import db
from models import (
    AcademicYear,
    Attendance,
    Enrolment,
    Lesson,
    Mark,
    Person,
    Pupil,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    SubjectPage,
    User,
)
from services import audit

NAME_MAX = 40
ONE_DAY = dt.timedelta(days=1)


class GroupError(ValueError):
    """A subgroup change the rules refuse; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# -- dated membership as SQL (the grid, the cell save and the diary share these) ------------

def member_between(pupil_id, subgroup_id, start, end):
    """EXISTS: the pupil is in the subgroup on some day of [start, end]. Each argument is a
    value or a column (Lesson.date for the day of a lesson). Every other table it names is
    the enclosing query's, however deep it is nested (auto-correlation looks one level up
    only, and would read "any lesson of any page")."""
    return exists().where(
        SubgroupMember.pupil_id == pupil_id, SubgroupMember.subgroup_id == subgroup_id,
        or_(SubgroupMember.start_date.is_(None), SubgroupMember.start_date <= end),
        or_(SubgroupMember.end_date.is_(None), SubgroupMember.end_date >= start)
    ).correlate_except(SubgroupMember)


def member_on(pupil_id, subgroup_id, day):
    """EXISTS: the pupil is in the subgroup on that day."""
    return member_between(pupil_id, subgroup_id, day, day)


# -- reading ----------------------------------------------------------------------------------

@dataclass
class Membership:
    """One span of a pupil in a group, as the class's groups page lists it."""

    member: SubgroupMember
    pupil: Pupil

    def on(self, day: dt.date) -> bool:
        return (self.member.start_date is None or self.member.start_date <= day) and (
            self.member.end_date is None or self.member.end_date >= day)


def groups_of(school_class: SchoolClass) -> list[Subgroup]:
    """The class's subgroups by name (one query)."""
    return list(db.session.scalars(select(Subgroup).where(
        Subgroup.class_id == school_class.id).order_by(Subgroup.name)))


def memberships(school_class: SchoolClass) -> dict[int, list[Membership]]:
    """Every membership span of the class's groups, by group id, pupils A-Z then by date
    (one query)."""
    rows = db.session.execute(
        select(SubgroupMember, Pupil).join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
        .join(Pupil, Pupil.id == SubgroupMember.pupil_id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Subgroup.class_id == school_class.id)
        .order_by(Person.last_name, Person.first_name, Pupil.id,
                  func.coalesce(SubgroupMember.start_date, dt.date.min)))
    out: dict[int, list[Membership]] = {}
    for member, pupil in rows:
        out.setdefault(member.subgroup_id, []).append(Membership(member, pupil))
    return out


def class_pupils(school_class: SchoolClass, day: dt.date) -> list[Pupil]:
    """Pupils enrolled in the class on the day, A-Z (one query)."""
    return list(db.session.scalars(
        select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id == school_class.id, Enrolment.start_date <= day,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day))
        .order_by(Person.last_name, Person.first_name, Pupil.id)))


# -- changing ----------------------------------------------------------------------------------

def _year(school_class: SchoolClass) -> AcademicYear:
    return db.session.get(AcademicYear, school_class.year_id)


def _check_day(school_class: SchoolClass, day: dt.date | None) -> AcademicYear:
    year = _year(school_class)
    if day is None:
        raise GroupError(_("Enter the date."), "day")
    if not year.start_date <= day <= year.end_date:
        raise GroupError(_("The date must lie inside the academic year %(year)s (%(start)s – "
                           "%(end)s).", year=year.name, start=_day(year.start_date),
                           end=_day(year.end_date)), "day")
    return year


def _day(day: dt.date) -> str:
    return format_date(day, "d MMMM yyyy")


def create_group(user: User, school_class: SchoolClass, name: str) -> Subgroup:
    """A new subgroup of the class ("English 1", "PE boys"). Raises GroupError for an empty,
    too long or repeated name."""
    name = " ".join((name or "").split())
    if not name:
        raise GroupError(_("Enter the group's name."), "name")
    if len(name) > NAME_MAX:
        raise GroupError(_("A group's name is at most %(n)d characters.", n=NAME_MAX), "name")
    if db.session.scalar(select(Subgroup.id).where(Subgroup.class_id == school_class.id,
                                                   Subgroup.name == name)) is not None:
        raise GroupError(_("The class already has a group named “%(name)s”.", name=name),
                         "name")
    group = Subgroup(class_id=school_class.id, name=name)
    db.session.add(group)
    db.session.flush()
    audit.record(user, "subgroup", group.id, "create", {"class": school_class.id, "name": name})
    return group


def _in_class_on(pupil: Pupil, school_class: SchoolClass, day: dt.date) -> bool:
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.pupil_id == pupil.id, Enrolment.class_id == school_class.id,
        Enrolment.start_date <= day,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day)).limit(1)) is not None


def _member_from(group: Subgroup, pupil: Pupil, day: dt.date) -> bool:
    """Is the pupil in the group on the day or any day after it?"""
    return bool(db.session.scalar(select(member_between(pupil.id, group.id, day,
                                                        dt.date.max))))


def add_pupils(user: User, group: Subgroup, pupils: list[Pupil], day: dt.date | None) -> int:
    """Put pupils of the class in the group from a day (the year's first day: from the
    start). Raises GroupError when a pupil is not in the class that day or is already in the
    group then or later; nothing is added then."""
    school_class = group.school_class
    year = _check_day(school_class, day)
    if not pupils:
        raise GroupError(_("Choose the pupils."), "pupils")
    for pupil in pupils:
        if not _in_class_on(pupil, school_class, day):
            raise GroupError(_("%(name)s is not in %(cls)s on %(day)s.",
                               name=pupil.person.short_name, cls=school_class.name,
                               day=_day(day)), "pupils")
        if _member_from(group, pupil, day):
            raise GroupError(_("%(name)s is already in the group “%(group)s” on %(day)s or "
                               "later.", name=pupil.person.short_name, group=group.name,
                               day=_day(day)), "pupils")
    start = None if day <= year.start_date else day
    for pupil in pupils:
        db.session.add(SubgroupMember(subgroup_id=group.id, pupil_id=pupil.id, start_date=start))
        audit.record(user, "subgroup", group.id, "join", {"from": day}, pupil_id=pupil.id)
    db.session.flush()
    return len(pupils)


def _span_on(group: Subgroup, pupil: Pupil, day: dt.date) -> SubgroupMember | None:
    return db.session.scalar(select(SubgroupMember).where(
        SubgroupMember.subgroup_id == group.id, SubgroupMember.pupil_id == pupil.id,
        or_(SubgroupMember.start_date.is_(None), SubgroupMember.start_date <= day),
        or_(SubgroupMember.end_date.is_(None), SubgroupMember.end_date >= day)))


def first_entry_from(group: Subgroup, pupil: Pupil, day: dt.date) -> dt.date | None:
    """The first day on or after `day` when the pupil has a mark or an attendance entry on a
    lesson of the group's pages (one query)."""
    lessons = (select(Lesson.id, Lesson.date).join(SubjectPage, SubjectPage.id == Lesson.page_id)
               .where(SubjectPage.subgroup_id == group.id, Lesson.date >= day).subquery())
    marked = union_all(
        select(lessons.c.date).join(Mark, and_(Mark.lesson_id == lessons.c.id,
                                               Mark.pupil_id == pupil.id)),
        select(lessons.c.date).join(Attendance, and_(Attendance.lesson_id == lessons.c.id,
                                                     Attendance.pupil_id == pupil.id))
    ).subquery()
    return db.session.scalar(select(func.min(marked.c.date)))


def _leave(group: Subgroup, span: SubgroupMember, day: dt.date) -> dt.date | None:
    """Close the span the day before `day`; returns its old end. A span that would hold no
    day at all (it starts that very day) is removed."""
    end = span.end_date
    if span.start_date is not None and span.start_date >= day:
        db.session.delete(span)
    else:
        span.end_date = day - ONE_DAY
    return end


def move_pupil(user: User, pupil: Pupil, source: Subgroup, target: Subgroup,
               day: dt.date | None) -> SubgroupMember:
    """Move a pupil from one group of the class to another from a day: the old membership
    ends the day before, a new one starts that day. The marks of the old group's lessons
    stay where they are. Raises GroupError when the groups are not two groups of the
    pupil's class, the pupil is not in the first group that day or already in the second,
    or has marks or absences in the first group's lessons on or after the day (they would
    be left on lessons the pupil no longer attends: move from a later day)."""
    school_class = source.school_class
    _check_day(school_class, day)
    if source.id == target.id:
        raise GroupError(_("Choose two different groups."), "target")
    if target.class_id != source.class_id:
        raise GroupError(_("Both groups must belong to the same class."), "target")
    span = _span_on(source, pupil, day)
    if span is None:
        raise GroupError(_("%(name)s is not in the group “%(group)s” on %(day)s.",
                           name=pupil.person.short_name, group=source.name, day=_day(day)),
                         "pupil")
    if _member_from(target, pupil, day):
        raise GroupError(_("%(name)s is already in the group “%(group)s” on %(day)s or "
                           "later.", name=pupil.person.short_name, group=target.name,
                           day=_day(day)), "target")
    entry = first_entry_from(source, pupil, day)
    if entry is not None:
        raise GroupError(_("%(name)s has marks or absences in the group “%(group)s” on "
                           "%(entry)s: move the pupil from a later day.",
                           name=pupil.person.short_name, group=source.name,
                           entry=_day(entry)), "day")
    end = _leave(source, span, day)
    new = SubgroupMember(subgroup_id=target.id, pupil_id=pupil.id, start_date=day,
                         end_date=end)
    db.session.add(new)
    db.session.flush()
    audit.record(user, "subgroup", target.id, "move",
                 {"from_group": source.id, "to_group": target.id, "from": day},
                 pupil_id=pupil.id)
    return new
