"""Final attestation (001 3.2.9, II 2.3): the school's list of exams and the results the
deputy enters per pupil, shown in the diary with the year marks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from extensions import db
from models import AcademicYear, Exam, ExamResult, Person, Pupil, School, SchoolClass, Subject, User
from services import audit


class ExamError(ValueError):
    """A result the rules refuse; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# kind, grade, subject code, Russian name, Kazakh name, maximum (primary) points.
RUSSIAN_EXAMS = (
    ("OGE", 9, "russian", "ОГЭ. Русский язык", "НМЕ. Орыс тілі", 33),
    ("OGE", 9, "math", "ОГЭ. Математика", "НМЕ. Математика", 31),
    ("EGE", 11, "russian", "ЕГЭ. Русский язык", "БМЕ. Орыс тілі", 100),
    ("EGE", 11, "math", "ЕГЭ. Математика (профильный уровень)", "БМЕ. Математика (бейіндік)",
     100),
)
KAZAKH_EXAMS = (
    ("ENT", 11, None, "ЕНТ", "ҰБТ", 140),
)


def add_usual(school: School | None) -> list[Exam]:
    """Add the usual exams the list lacks: ОГЭ in Russian and mathematics in grade 9, ЕГЭ in
    grade 11; ЕНТ for a school whose default language is Kazakh. Two queries; running it
    again adds nothing."""
    usual = KAZAKH_EXAMS if school is not None and school.default_locale == "kk" \
        else RUSSIAN_EXAMS
    have = {(e.kind, e.grade, e.name_ru) for e in db.session.scalars(select(Exam))}
    codes = {s.code: s.id for s in db.session.scalars(select(Subject))}
    added = []
    for kind, grade, code, ru, kk, points in usual:
        if (kind, grade, ru) in have:
            continue
        exam = Exam(kind=kind, grade=grade, subject_id=codes.get(code), name_ru=ru, name_kk=kk,
                    max_points=points)
        db.session.add(exam)
        added.append(exam)
    db.session.flush()
    return added


def mark_scale(school: School | None) -> tuple[int, int]:
    """The lowest and highest exam mark: 2-5, or 1-5 where the school allows a 1."""
    return (1 if school is not None and school.allow_mark_one else 2), 5


def pupils_for(exam: Exam, year: AcademicYear) -> list[Pupil]:
    """The pupils now in a class of the exam's grade this year, by class and name."""
    return list(db.session.scalars(
        select(Pupil).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .join(Person, Person.id == Pupil.person_id)
        .where(SchoolClass.year_id == year.id, SchoolClass.grade == exam.grade,
               Pupil.left_on.is_(None))
        .options(contains_eager(Pupil.school_class))
        .order_by(SchoolClass.letter, Person.search_name)))


def results_of(exam: Exam, year: AcademicYear) -> dict[int, ExamResult]:
    """pupil_id -> result of the exam this year: one query."""
    return {r.pupil_id: r for r in db.session.scalars(select(ExamResult).where(
        ExamResult.exam_id == exam.id, ExamResult.year_id == year.id))}


@dataclass
class Entry:
    points: int | None
    mark: int | None
    taken_on: dt.date | None


def save(actor: User, exam: Exam, pupil: Pupil, year: AcademicYear, entry: Entry,
         school: School | None, today: dt.date) -> ExamResult | None:
    """Record (or correct) a pupil's result; no points and no mark clears it.

    Raises ExamError: points outside 0..max points, a mark off the scale, a date in the
    future or before the year, a pupil who is not in the exam's grade this year.
    """
    cls = pupil.school_class
    if cls is None or cls.year_id != year.id or cls.grade != exam.grade or pupil.left_on:
        raise ExamError(_("%(name)s is not a pupil of grade %(grade)d this year.",
                          name=pupil.name, grade=exam.grade))
    _check(exam, entry, school, year, today)
    result = db.session.scalar(select(ExamResult).where(
        ExamResult.exam_id == exam.id, ExamResult.pupil_id == pupil.id,
        ExamResult.year_id == year.id))
    before = audit.snapshot(result, ("points", "mark", "taken_on")) if result else {}
    if entry.points is None and entry.mark is None:
        if result is not None:
            db.session.delete(result)
            audit.record_change(actor, "exam_result", result.id, before, {}, "delete",
                                    pupil_id=pupil.id)
        return None
    if result is None:
        result = ExamResult(exam_id=exam.id, pupil_id=pupil.id, year_id=year.id,
                            recorded_by=actor.id)
        db.session.add(result)
    result.points, result.mark, result.taken_on = entry.points, entry.mark, entry.taken_on
    result.recorded_by = actor.id
    db.session.flush()
    audit.record_change(actor, "exam_result", result.id, before,
                        audit.snapshot(result, ("points", "mark", "taken_on")),
                        "update" if before else "create", pupil_id=pupil.id)
    return result


def _check(exam: Exam, entry: Entry, school: School | None, year: AcademicYear,
           today: dt.date) -> None:
    top = exam.max_points if exam.max_points is not None else 1000
    if entry.points is not None and not 0 <= entry.points <= top:
        raise ExamError(_("Points go from 0 to %(max)d.", max=top), "points")
    low, high = mark_scale(school)
    if entry.mark is not None and not low <= entry.mark <= high:
        raise ExamError(_("The mark goes from %(low)d to %(high)d.", low=low, high=high),
                        "mark")
    if entry.taken_on is not None and not year.start_date <= entry.taken_on <= today:
        raise ExamError(_("The exam date must be in this academic year and not in the "
                          "future."), "taken_on")


def results_of_pupil(pupil: Pupil) -> list[ExamResult]:
    """The pupil's exam results in the year of the pupil's class, with their exams: one
    query."""
    cls = pupil.school_class
    if cls is None:
        return []
    return list(db.session.scalars(
        select(ExamResult).join(Exam, Exam.id == ExamResult.exam_id)
        .where(ExamResult.pupil_id == pupil.id, ExamResult.year_id == cls.year_id)
        .options(contains_eager(ExamResult.exam)).order_by(Exam.grade, Exam.kind, Exam.name_ru)))
