"""What is missing before the year starts (001 5.5, DOMAIN.md 4): the deputy's list.

No later than 10 days before the year: every class has a class teacher; every subject page
a working teacher and that teacher's calendar-thematic plan; every subject of the
curriculum of a grade a page in each class of the grade; every pupil a card (birth date),
the consent of a representative and a parent account. The timetable is due 10 days before
each study period. A fixed number of queries, whatever the size of the school.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import joinedload

from extensions import db
from models import (
    AcademicYear,
    CurriculumHours,
    Guardian,
    Person,
    PlanItem,
    Pupil,
    SchoolClass,
    Staff,
    StudyPeriod,
    Subject,
    SubjectPage,
    TimetableSlot,
    User,
)

LEAD_DAYS = 10


@dataclass
class PupilGap:
    pupil_id: int
    name: str
    school_class: SchoolClass
    no_card: bool
    no_consent: bool
    no_parent_account: bool


@dataclass
class Readiness:
    year: AcademicYear
    counting_from: dt.date  # the first day the list is due to be empty
    counting: bool  # today is within the window (or later)
    no_class_teacher: list[SchoolClass] = field(default_factory=list)
    teacher_gone: list[SubjectPage] = field(default_factory=list)
    no_plan: list[SubjectPage] = field(default_factory=list)
    no_page: list[tuple[SchoolClass, Subject]] = field(default_factory=list)
    no_timetable: list[tuple[SchoolClass, StudyPeriod]] = field(default_factory=list)
    pupils: list[PupilGap] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (len(self.no_class_teacher) + len(self.teacher_gone) + len(self.no_plan)
                + len(self.no_page) + len(self.no_timetable) + len(self.pupils))


def check(year: AcademicYear, classes: list[SchoolClass], today: dt.date) -> Readiness:
    """The missing things of the year for these classes (the ones the user oversees).
    Six queries."""
    start = year.start_date - dt.timedelta(days=LEAD_DAYS)
    out = Readiness(year, start, today >= start)
    by_id = {c.id: c for c in classes}
    out.no_class_teacher = [c for c in classes if c.class_teacher_id is None]
    pages = _pages(year, today, by_id)
    out.teacher_gone = [p for p, gone, _plan in pages if gone]
    out.no_plan = [p for p, gone, plan in pages if not gone and not plan]
    out.no_page = _subjects_without_page(year, classes, [p for p, _g, _pl in pages])
    out.no_timetable = _without_timetable(year, by_id, today)
    out.pupils = _pupils(by_id)
    return out


def _pages(year: AcademicYear, today: dt.date,
           by_id: dict[int, SchoolClass]) -> list[tuple[SubjectPage, bool, bool]]:
    """Each page with: its teacher has left, its teacher has a plan for it. One query."""
    has_plan = exists().where(PlanItem.teacher_id == SubjectPage.teacher_id,
                              PlanItem.subject_id == SubjectPage.subject_id,
                              PlanItem.grade == SchoolClass.grade)
    gone = and_(Staff.left_on.is_not(None), Staff.left_on <= today)
    rows = db.session.execute(
        select(SubjectPage, gone, has_plan)
        .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
        .join(Staff, Staff.id == SubjectPage.teacher_id)
        .where(SchoolClass.year_id == year.id).options(joinedload(SubjectPage.teacher))
        .order_by(SchoolClass.grade, SchoolClass.letter, SubjectPage.subject_id))
    return [(p, bool(g), bool(h)) for p, g, h in rows if p.class_id in by_id]


def _subjects_without_page(year: AcademicYear, classes: list[SchoolClass],
                           pages: list[SubjectPage]) -> list[tuple[SchoolClass, Subject]]:
    """Subjects with hours in a grade's curriculum that a class of the grade has no page
    in (a subgroup's page counts). One query."""
    have = {(p.class_id, p.subject_id) for p in pages}
    plan: dict[int, list[Subject]] = {}
    for grade, subject in db.session.execute(
            select(CurriculumHours.grade, Subject).join(Subject)
            .where(CurriculumHours.year_id == year.id, CurriculumHours.hours > 0)
            .order_by(Subject.name_ru)):
        plan.setdefault(grade, []).append(subject)
    return [(c, s) for c in classes for s in plan.get(c.grade, [])
            if (c.id, s.id) not in have]


def _target_period(periods: list[StudyPeriod], today: dt.date) -> StudyPeriod | None:
    """The period whose timetable is due: one starting within the next 10 days, else the
    one under way; before the year, the first (a preview). None in the holidays before a
    period more than 10 days away."""
    soon = [p for p in periods if today < p.start_date <= today + dt.timedelta(LEAD_DAYS)]
    now = [p for p in periods if p.start_date <= today <= p.end_date]
    first = periods[:1] if periods and today < periods[0].start_date else []
    return (soon or now or first or [None])[0]


def _without_timetable(year: AcademicYear, by_id: dict[int, SchoolClass],
                       today: dt.date) -> list[tuple[SchoolClass, StudyPeriod]]:
    """Classes with no timetable slot in the period that is due. Two queries."""
    periods: dict[str, list[StudyPeriod]] = {}
    for period in db.session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == year.id)
                                     .order_by(StudyPeriod.start_date)):
        periods.setdefault(period.scheme, []).append(period)
    spans: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for class_id, start, end in db.session.execute(
            select(SubjectPage.class_id, TimetableSlot.valid_from, TimetableSlot.valid_to)
            .join(SubjectPage, SubjectPage.id == TimetableSlot.page_id)
            .join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
            .where(SchoolClass.year_id == year.id).distinct()):
        spans.setdefault(class_id, []).append((start, end))
    out = []
    for school_class in by_id.values():
        period = _target_period(periods.get(school_class.period_scheme, []), today)
        if period is not None and not any(s <= period.end_date and e >= period.start_date
                                          for s, e in spans.get(school_class.id, [])):
            out.append((school_class, period))
    return out


def _pupils(by_id: dict[int, SchoolClass]) -> list[PupilGap]:
    """Pupils of these classes without a birth date on their card, without consent, or
    whose representatives have no account. One query."""
    parent_account = exists().where(Guardian.pupil_id == Pupil.id,
                                    User.person_id == Guardian.person_id)
    no_card, no_consent = Person.birth_date.is_(None), Pupil.consent_on.is_(None)
    rows = db.session.execute(
        select(Pupil.id, Pupil.class_id, Person.last_name, Person.first_name,
               Person.patronymic, no_card, no_consent, ~parent_account)
        .join(Person, Person.id == Pupil.person_id)
        .where(Pupil.class_id.in_(list(by_id)), Pupil.left_on.is_(None),
               no_card | no_consent | ~parent_account)
        .order_by(Pupil.class_id, Person.search_name))
    gaps = [PupilGap(pid, " ".join(n for n in (last, first, patr) if n), by_id[cid],
                     bool(card), bool(consent), bool(account))
            for pid, cid, last, first, patr, card, consent, account in rows]
    return sorted(gaps, key=lambda g: (g.school_class.grade, g.school_class.letter))
