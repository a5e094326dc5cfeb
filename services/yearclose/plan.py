"""Step 2 of the year close: the promotion plan by the director's order, written nowhere.

Each pupil still in a class of the year goes to the next grade, same letter (5 «А» -> 6 «А»),
unless an exception says otherwise: repeats the year (same grade), promoted conditionally
(next grade, with a debt), transferred (leaves). The last grade graduates.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import AcademicYear, Enrolment, Person, Pupil, SchoolClass
from services import clock
from services.yearclose.check import last_day
from services.yearclose.common import YearCloseError, next_year_date

# What an administrator may choose for one pupil instead of the default.
EXCEPTIONS = ("repeats", "conditional", "transferred")
ORDER_NO_MAX = 40
NOTE_MAX = 200
LAST_GRADE = 11


@dataclass
class PupilPlan:
    pupil_id: int
    name: str
    enrolment_id: int
    outcome: str  # one of models.year.OUTCOMES
    to_key: tuple[int, str] | None  # (grade, letter) in the new year, None when leaving
    note: str = ""


@dataclass
class ClassPlan:
    """One class of the closing year and what becomes of each of its pupils."""

    school_class: SchoolClass
    pupils: list[PupilPlan] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(p.outcome for p in self.pupils)

    @property
    def to_name(self) -> str:
        """Where the class goes as a whole: "6 «А»", or "" for the last grade."""
        keys = [p.to_key for p in self.pupils if p.outcome in ("promoted", "conditional")]
        return f"{keys[0][0]} «{keys[0][1]}»" if keys else ""


@dataclass
class NewClass:
    """A class the apply creates in the new year, with what it takes from its source."""

    grade: int
    letter: str
    language: str
    period_scheme: str
    class_teacher_id: int | None
    days_per_week: int
    # A criteria-based class stays criteria-based (Kazakhstan: the assessment is the school's).
    journal_type: str = "classic"

    @property
    def name(self) -> str:
        return f"{self.grade} «{self.letter}»"


@dataclass
class Plan:
    year: AcademicYear
    order_no: str
    order_date: dt.date
    last_grade: int
    new_year: AcademicYear | None  # the next year if it exists already
    new_year_name: str
    new_start: dt.date
    new_end: dt.date
    classes: list[ClassPlan]
    new_classes: list[NewClass]

    @property
    def pupils(self) -> list[PupilPlan]:
        return [p for c in self.classes for p in c.pupils]

    @property
    def counts(self) -> Counter:
        return Counter(p.outcome for p in self.pupils)


def check_order(order_no: str | None, order_date: dt.date | None) -> str:
    """The director's order: a number and a date not in the future. Returns the number."""
    number = (order_no or "").strip()
    if not number:
        raise YearCloseError(_("Give the number of the director's order."), "order_no")
    if len(number) > ORDER_NO_MAX:
        raise YearCloseError(_("The order number is too long: at most %(num)d characters.",
                               num=ORDER_NO_MAX), "order_no")
    if order_date is None:
        raise YearCloseError(_("Give the date of the director's order."), "order_date")
    if order_date > clock.today():
        raise YearCloseError(_("The order date cannot be in the future."), "order_date")
    return number


def check_year(year: AcademicYear) -> None:
    """Only an open year whose last period has ended can be closed."""
    if year.closed:
        raise YearCloseError(_("This year is already closed."))
    end = last_day(year)
    if clock.today() < end:
        raise YearCloseError(_("The year's last study period ends on %(date)s: the year can be "
                               "closed from that day on.", date=format_date(end)))


def default_last_grade(year: AcademicYear) -> int:
    """Grade 11 graduates, or the highest grade of the school where it goes further."""
    top = db.session.scalar(select(SchoolClass.grade).where(SchoolClass.year_id == year.id)
                            .order_by(SchoolClass.grade.desc()).limit(1))
    return max(LAST_GRADE, top or 0)


def _pupils(year: AcademicYear) -> list[tuple[Enrolment, str, SchoolClass]]:
    """The pupils still in a class of the year, by class and name (one query)."""
    rows = db.session.execute(
        select(Enrolment, Person, SchoolClass)
        .join(Pupil, Pupil.id == Enrolment.pupil_id)
        .join(Person, Person.id == Pupil.person_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(SchoolClass.year_id == year.id, Enrolment.end_date.is_(None),
               Pupil.left_on.is_(None))
        .order_by(SchoolClass.grade, SchoolClass.letter, Person.last_name, Person.first_name,
                  Pupil.id)).all()
    out, seen = [], set()
    for enrolment, person, school_class in rows:
        if enrolment.pupil_id in seen:  # two open enrolments (bad data): the pupil moves once
            continue
        seen.add(enrolment.pupil_id)
        out.append((enrolment, person.full_name, school_class))
    return out


def _outcome(grade: int, last_grade: int, exception: tuple[str, str] | None,
             name: str) -> tuple[str, str]:
    kind, note = exception or ("", "")
    if kind and kind not in EXCEPTIONS:
        raise YearCloseError(_("Unknown decision for %(name)s.", name=name), "exceptions")
    if len(note) > NOTE_MAX:
        raise YearCloseError(_("The note for %(name)s is too long: at most %(num)d characters.",
                               name=name, num=NOTE_MAX), "exceptions")
    if kind == "conditional" and grade >= last_grade:
        raise YearCloseError(_("%(name)s is in the last grade: they graduate, repeat the year "
                               "or are transferred.", name=name), "exceptions")
    if kind:
        return kind, note
    return ("graduated" if grade >= last_grade else "promoted"), note


def _target(outcome: str, school_class: SchoolClass) -> tuple[int, str] | None:
    if outcome in ("promoted", "conditional"):
        return school_class.grade + 1, school_class.letter
    if outcome == "repeats":
        return school_class.grade, school_class.letter
    return None


def next_year_name(year: AcademicYear, start: dt.date, end: dt.date) -> str:
    match = re.fullmatch(r"(\d{4})([/-])(\d{4})", year.name.strip())
    if match:
        return f"{int(match[1]) + 1}{match[2]}{int(match[3]) + 1}"
    return f"{start.year}/{end.year}"


def _next_year(year: AcademicYear) -> AcademicYear | None:
    """The year after this one, if someone has opened it already."""
    return db.session.scalar(select(AcademicYear).where(AcademicYear.start_date > year.end_date)
                             .order_by(AcademicYear.start_date).limit(1))


def _new_classes(year: AcademicYear, target: AcademicYear | None,
                 classes: list[ClassPlan]) -> list[NewClass]:
    """The classes of the new year the pupils need that do not exist yet. A promoted class
    brings its class teacher; a class made for repeaters alone starts without one. Each
    grade gets the period scheme the school uses for it this year (half-years from 10)."""
    have = set()
    if target is not None:
        have = {(g, ltr) for g, ltr in db.session.execute(
            select(SchoolClass.grade, SchoolClass.letter)
            .where(SchoolClass.year_id == target.id))}
    schemes: dict[int, str] = {}
    for plan in classes:
        schemes.setdefault(plan.school_class.grade, plan.school_class.period_scheme)
    made: dict[tuple[int, str], NewClass] = {}
    for moves in (("promoted", "conditional"), ("repeats",)):
        for plan in classes:
            src = plan.school_class
            for key in {p.to_key for p in plan.pupils if p.outcome in moves}:
                if key in have or key in made:
                    continue
                made[key] = NewClass(key[0], key[1], src.language,
                                     schemes.get(key[0], src.period_scheme),
                                     src.class_teacher_id if key[0] != src.grade else None,
                                     src.days_per_week, src.journal_type)
    return sorted(made.values(), key=lambda c: (c.grade, c.letter))


def dry_run(year: AcademicYear, order_no: str | None, order_date: dt.date | None,
            exceptions: dict[int, tuple[str, str]] | None = None,
            last_grade: int | None = None) -> Plan:
    """The promotion plan, per class, without writing anything.

    exceptions: pupil id -> (one of EXCEPTIONS, a note). Raises YearCloseError for a closed
    year, a year not over yet, a missing order, an unknown pupil or decision.
    """
    check_year(year)
    number = check_order(order_no, order_date)
    last = last_grade or default_last_grade(year)
    exceptions = dict(exceptions or {})
    by_class: dict[int, ClassPlan] = {}
    for enrolment, name, school_class in _pupils(year):
        outcome, note = _outcome(school_class.grade, last,
                                 exceptions.pop(enrolment.pupil_id, None), name)
        plan = by_class.setdefault(school_class.id, ClassPlan(school_class))
        plan.pupils.append(PupilPlan(enrolment.pupil_id, name, enrolment.id, outcome,
                                     _target(outcome, school_class), note))
    if exceptions:
        raise YearCloseError(_("A decision names a pupil who is not in a class of this year."),
                             "exceptions")
    classes = list(by_class.values())
    target = _next_year(year)
    start = target.start_date if target else next_year_date(year.start_date)
    end = target.end_date if target else next_year_date(year.end_date)
    return Plan(year, number, order_date, last, target,
                target.name if target else next_year_name(year, start, end), start, end,
                classes, _new_classes(year, target, classes))
