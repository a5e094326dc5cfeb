"""Looking up the school's structure: the current year, classes, pages, today's lessons."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extensions import db
from models import (
    AcademicYear,
    Enrolment,
    Lesson,
    Person,
    Pupil,
    School,
    SchoolClass,
    Staff,
    StudyPeriod,
    SubjectPage,
    User,
)
from services import clock


def the_school() -> School | None:
    return db.session.scalar(select(School).limit(1))


def current_year(day: dt.date | None = None) -> AcademicYear | None:
    """The year marked current, else the one containing the day, else the latest."""
    year = db.session.scalar(select(AcademicYear).where(AcademicYear.is_current))
    if year is not None:
        return year
    day = day or clock.today()
    containing = db.session.scalar(select(AcademicYear).where(
        AcademicYear.start_date <= day, AcademicYear.end_date >= day))
    return containing or db.session.scalar(
        select(AcademicYear).order_by(AcademicYear.start_date.desc()).limit(1))


def periods_of(school_class: SchoolClass) -> list[StudyPeriod]:
    """The study periods a class follows (quarters, half-years or trimesters)."""
    return list(db.session.scalars(select(StudyPeriod).where(
        StudyPeriod.year_id == school_class.year_id,
        StudyPeriod.scheme == school_class.period_scheme).order_by(StudyPeriod.number)))


def period_name(period: StudyPeriod) -> str:
    """The period's name in the user's language: "Quarter 2", "Half-year 1", "Trimester 3"."""
    if period.scheme == "half":
        return _("Half-year %(n)d", n=period.number)
    if period.scheme == "trimester":
        return _("Trimester %(n)d", n=period.number)
    return _("Quarter %(n)d", n=period.number)


def period_on(school_class: SchoolClass, day: dt.date) -> StudyPeriod | None:
    """The period of the class containing the day, or the nearest one before it."""
    periods = periods_of(school_class)
    before = [p for p in periods if p.start_date <= day]
    return before[-1] if before else (periods[0] if periods else None)


def classes_of_year(year: AcademicYear) -> list[SchoolClass]:
    return list(db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id)
                                   .options(selectinload(SchoolClass.class_teacher))
                                   .order_by(SchoolClass.grade, SchoolClass.letter)))


def pupil_counts(class_ids: list[int]) -> dict[int, int]:
    """Enrolled pupils per class, in one query."""
    rows = db.session.execute(
        select(Pupil.class_id, func.count()).where(Pupil.class_id.in_(class_ids),
                                                   Pupil.left_on.is_(None))
        .group_by(Pupil.class_id))
    return dict(rows.all())


def class_pupils(school_class: SchoolClass, on: dt.date | None = None) -> list[Pupil]:
    """Pupils enrolled in the class on a day (today by default), alphabetically."""
    on = on or clock.today()
    return list(db.session.scalars(
        select(Pupil).join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id == school_class.id, Enrolment.start_date <= on,
               (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= on))
        .order_by(Person.last_name, Person.first_name, Person.patronymic)))


def pages_of_teacher(staff: Staff) -> list[SubjectPage]:
    """A teacher's own subject pages, by grade, class and subject."""
    return list(db.session.scalars(
        select(SubjectPage).join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .where(SubjectPage.teacher_id == staff.id)
        .order_by(SchoolClass.grade, SchoolClass.letter, SubjectPage.subject_id,
                  SubjectPage.subgroup_id)))


def lessons_of_teacher_on(staff: Staff, day: dt.date) -> list[Lesson]:
    """Lessons a teacher gives on a day: own pages and substitutions, by lesson number."""
    return list(db.session.scalars(
        select(Lesson).join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(Lesson.date == day,
               (SubjectPage.teacher_id == staff.id) | (Lesson.substitute_id == staff.id))
        .options(selectinload(Lesson.page))
        .order_by(Lesson.lesson_number)))


def school_counts() -> dict[str, int]:
    """Headline numbers for the administration's home page."""
    return {
        "pupils": db.session.scalar(select(func.count()).select_from(Pupil)
                                    .where(Pupil.left_on.is_(None))) or 0,
        "staff": db.session.scalar(select(func.count()).select_from(Staff)
                                   .where(Staff.left_on.is_(None))) or 0,
        "classes": db.session.scalar(select(func.count()).select_from(SchoolClass)) or 0,
        "users": db.session.scalar(select(func.count()).select_from(User)
                                   .where(User.active)) or 0,
    }
