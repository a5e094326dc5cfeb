"""The teaching load as read: a class's pages with their teachers, and each teacher's weekly
hours against what the curriculum gives those pages. A fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from models import AcademicYear, CurriculumHours, SchoolClass, Staff, SubjectPage


@dataclass
class TeacherLoad:
    teacher: Staff
    pages: int = 0
    hours: int = 0  # the pages' weekly hours as set
    curriculum: int = 0  # what the curriculum gives the same pages
    missing: list[SubjectPage] = field(default_factory=list)  # not in the curriculum

    @property
    def difference(self) -> int:
        return self.hours - self.curriculum


def year_pages(year: AcademicYear, class_id: int | None = None) -> list[SubjectPage]:
    """The pages of the year's classes (or of one class), with class, subject, subgroup and
    teacher loaded: one query."""
    query = (select(SubjectPage).join(SchoolClass, SchoolClass.id == SubjectPage.class_id)
             .where(SchoolClass.year_id == year.id)
             .options(joinedload(SubjectPage.subgroup), joinedload(SubjectPage.teacher))
             .order_by(SchoolClass.grade, SchoolClass.letter, SubjectPage.subject_id,
                       SubjectPage.subgroup_id))
    if class_id is not None:
        query = query.where(SubjectPage.class_id == class_id)
    return list(db.session.scalars(query).unique())


def curriculum_of(year: AcademicYear) -> dict[tuple[int, int], int]:
    """(grade, subject_id) -> weekly hours of the year's curriculum: one query."""
    return {(g, s): h for g, s, h in db.session.execute(
        select(CurriculumHours.grade, CurriculumHours.subject_id, CurriculumHours.hours)
        .where(CurriculumHours.year_id == year.id))}


def teacher_loads(year: AcademicYear, pages: list[SubjectPage] | None = None,
                  curriculum: dict[tuple[int, int], int] | None = None) -> list[TeacherLoad]:
    """Each teacher with pages this year: weekly hours set on the pages and what the
    curriculum gives them (a subgroup's page counts in full: each group has the lessons).
    Two queries, none when the caller has the year's pages and curriculum already."""
    curriculum = curriculum_of(year) if curriculum is None else curriculum
    loads: dict[int, TeacherLoad] = {}
    for page in year_pages(year) if pages is None else pages:
        load = loads.setdefault(page.teacher_id, TeacherLoad(page.teacher))
        load.pages += 1
        load.hours += page.hours_per_week
        planned = curriculum.get((page.school_class.grade, page.subject_id))
        if planned is None:
            load.missing.append(page)
        else:
            load.curriculum += planned
    return sorted(loads.values(), key=lambda t: t.teacher.name)
