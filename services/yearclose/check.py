"""Step 1 of the year close: is every year mark in, or explicitly excused?

A pupil needs a year mark on every subject page they were on at the end of the year (the
last day of its study periods): in the page's class, and in its subgroup if it has one.
Pages of the grades that keep attendance only (School.no_marks_grades) need none.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from extensions import db
from models import (
    AcademicYear,
    Enrolment,
    FinalMark,
    MarkExcuse,
    Person,
    Pupil,
    School,
    SchoolClass,
    StudyPeriod,
    SubgroupMember,
    Subject,
    SubjectPage,
    User,
)
from services import audit
from services.yearclose.common import YearCloseError

REASON_MAX = 200


@dataclass(frozen=True)
class Missing:
    """A year mark that is neither given nor excused."""

    page_id: int
    class_id: int
    class_name: str
    subject_ru: str
    subject_kk: str
    pupil_id: int
    pupil_name: str

    def subject(self, locale: str) -> str:
        return self.subject_kk if locale == "kk" else self.subject_ru


def last_day(year: AcademicYear) -> dt.date:
    """The year's last day of study: the end of its last period (the year's end without)."""
    end = db.session.scalar(select(func.max(StudyPeriod.end_date))
                            .where(StudyPeriod.year_id == year.id))
    return end or year.end_date


def on_page_at(day: dt.date):
    """SQL: the Enrolment row's pupil was on the SubjectPage of the query on that day."""
    member = exists().where(
        SubgroupMember.subgroup_id == SubjectPage.subgroup_id,
        SubgroupMember.pupil_id == Enrolment.pupil_id,
        or_(SubgroupMember.start_date.is_(None), SubgroupMember.start_date <= day),
        or_(SubgroupMember.end_date.is_(None), SubgroupMember.end_date >= day))
    return and_(Enrolment.class_id == SubjectPage.class_id, Enrolment.start_date <= day,
                or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day),
                or_(SubjectPage.subgroup_id.is_(None), member))


def _no_marks_grades() -> set[int]:
    school = db.session.scalar(select(School).limit(1))
    return school.no_marks_grade_set() if school is not None else set()


def check(year: AcademicYear) -> list[Missing]:
    """Every missing year mark of the year, by class, subject and pupil (one query)."""
    day = last_day(year)
    marked = exists().where(FinalMark.page_id == SubjectPage.id,
                            FinalMark.pupil_id == Enrolment.pupil_id, FinalMark.kind == "year")
    excused = exists().where(MarkExcuse.page_id == SubjectPage.id,
                             MarkExcuse.pupil_id == Enrolment.pupil_id)
    rows = db.session.execute(
        select(SubjectPage.id, SchoolClass.id, SchoolClass.grade, SchoolClass.letter,
               Subject.name_ru, Subject.name_kk, Pupil.id, Person.last_name, Person.first_name,
               Person.patronymic)
        .select_from(SubjectPage)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .join(Enrolment, on_page_at(day))
        .join(Pupil, Pupil.id == Enrolment.pupil_id)
        .join(Person, Person.id == Pupil.person_id)
        .where(SchoolClass.year_id == year.id,
               SchoolClass.grade.not_in(_no_marks_grades() or {-1}), ~marked, ~excused)
        .order_by(SchoolClass.grade, SchoolClass.letter, Subject.name_ru, SubjectPage.id,
                  Person.last_name, Person.first_name, Pupil.id)).all()
    return [Missing(page_id, class_id, f"{grade} «{letter}»", ru, kk, pupil_id,
                    " ".join(p for p in (last, first, middle) if p))
            for page_id, class_id, grade, letter, ru, kk, pupil_id, last, first, middle in rows]


def _open_page(page: SubjectPage, pupil: Pupil) -> AcademicYear:
    """The page's year, refusing a closed year or a pupil who was not on the page."""
    year = db.session.get(AcademicYear, page.school_class.year_id)
    if year.closed:
        raise YearCloseError(_("This year is closed: its marks can no longer be excused."))
    on_page = db.session.scalar(
        select(Enrolment.id).join(SubjectPage, SubjectPage.id == page.id)
        .where(Enrolment.pupil_id == pupil.id, on_page_at(last_day(year))).limit(1))
    if on_page is None:
        raise YearCloseError(_("This pupil was not on this page at the end of the year."))
    return year


def record_excuse(user: User, page: SubjectPage, pupil: Pupil, reason: str) -> MarkExcuse:
    """Excuse a missing year mark with a reason (arrived late, studied at home...).

    Raises YearCloseError for an empty or too long reason, a pupil who was not on the page,
    a mark that is already there, or a closed year. Recording again replaces the reason.
    """
    reason = (reason or "").strip()
    if not reason:
        raise YearCloseError(_("Give the reason the year mark is not given."), "reason")
    if len(reason) > REASON_MAX:
        raise YearCloseError(_("The reason is too long: at most %(num)d characters.",
                               num=REASON_MAX), "reason")
    _open_page(page, pupil)
    if db.session.scalar(select(FinalMark.id).where(
            FinalMark.page_id == page.id, FinalMark.pupil_id == pupil.id,
            FinalMark.kind == "year")) is not None:
        raise YearCloseError(_("This pupil has a year mark on this page: there is nothing to "
                               "excuse."))
    excuse = db.session.scalar(select(MarkExcuse).where(MarkExcuse.page_id == page.id,
                                                        MarkExcuse.pupil_id == pupil.id))
    old = audit.snapshot(excuse, ("reason",)) if excuse else {"reason": None}
    if excuse is None:
        excuse = MarkExcuse(page_id=page.id, pupil_id=pupil.id, reason=reason,
                            recorded_by=user.id)
        db.session.add(excuse)
    excuse.reason, excuse.recorded_by = reason, user.id
    db.session.flush()
    audit.record_change(user, "mark_excuse", excuse.id, old, {"reason": reason},
                        action="create" if old["reason"] is None else "update",
                        pupil_id=pupil.id)
    return excuse


def remove_excuse(user: User, excuse: MarkExcuse) -> None:
    """Withdraw an excuse (the year mark is missing again). Refused once the year is closed."""
    page = db.session.get(SubjectPage, excuse.page_id)
    pupil = db.session.get(Pupil, excuse.pupil_id)
    _open_page(page, pupil)
    audit.record_change(user, "mark_excuse", excuse.id, {"reason": excuse.reason},
                        {"reason": None}, action="delete", pupil_id=pupil.id)
    db.session.delete(excuse)
    db.session.flush()
