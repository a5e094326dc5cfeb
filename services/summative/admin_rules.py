"""The settings of criteria-based assessment in the back office (issue 21): a class's journal
type, the year's shares of ФО, СОР and СОЧ, and the per subject and grade rules.

Each check takes the row with the form's values in and returns a translated message when a
rule refuses it, else None (the grid shows it next to the form and changes nothing). The
database backs them up (the CHECK on the weights, the unique rule per year, subject and
grade); the checks are here so that the administrator reads why, not a generic clash.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import exists, inspect, select

from extensions import db
from models import (
    AcademicYear,
    Lesson,
    Mark,
    SchoolClass,
    Subject,
    SubjectPage,
    SummativeRule,
    SummativeWork,
)
from services.periods import rules as year_rules

WEIGHT_FIELDS = ("fo_weight", "sor_weight", "soch_weight")


def _changed(row, *names: str) -> bool:
    """Does the form change one of the row's stored attributes? (A new row changes none.)"""
    state = inspect(row)
    return state.persistent and any(state.attrs[n].history.has_changes() for n in names)


def journal_type_refusal(school_class: SchoolClass) -> str | None:
    """A class changes its journal type only while its journal is empty: no lesson mark and
    no summative work. The two scales cannot be read one as the other (a 5-point «4» is not
    a formative 4 out of 10, and a ФО 8 is no 5-point mark), and points need their works."""
    if not _changed(school_class, "journal_type"):
        return None
    pages = select(SubjectPage.id).where(SubjectPage.class_id == school_class.id)
    marks = db.session.scalar(select(exists().where(
        Mark.lesson_id == Lesson.id, Lesson.page_id.in_(pages))))
    works = db.session.scalar(select(exists().where(SummativeWork.page_id.in_(pages))))
    if not marks and not works:
        return None
    why = _("A 5-point mark cannot be read as a formative mark out of 10, nor the other way "
            "round: the type only changes before the first mark. Keep it, or start the "
            "class's journal anew.")
    if marks:
        return _("The journal of %(cls)s already has lesson marks.", cls=school_class.name) \
            + " " + why
    return _("The journal of %(cls)s already has summative works.", cls=school_class.name) \
        + " " + why


def weights_refusal(year: AcademicYear) -> str | None:
    """The shares of ФО, СОР and СОЧ are whole percents that add up to 100, and a closed
    year keeps the ones its marks were computed with."""
    values = [getattr(year, name) for name in WEIGHT_FIELDS]
    if any(v is None for v in values):
        return None  # the form has already said which field is missing
    if sum(values) != 100:
        return _("The shares of FA, SAU and SAT must add up to 100 %% (now %(fo)d + %(sor)d "
                 "+ %(soch)d = %(sum)d %%).", fo=values[0], sor=values[1], soch=values[2],
                 sum=sum(values))
    if year.closed and _changed(year, *WEIGHT_FIELDS):
        return _("This year is closed: its marks were computed with these shares, which stay "
                 "as they are.")
    return None


def check_year(year: AcademicYear) -> str | None:
    """The year's own rules (dates, periods inside it), then its shares."""
    return year_rules.check_year(year) or weights_refusal(year)


def check_rule(rule: SummativeRule) -> str | None:
    """One rule per year, subject and grade; a closed year's rules stay as they are."""
    if rule.year_id is None or rule.subject_id is None or rule.grade is None:
        return None
    year = db.session.get(AcademicYear, rule.year_id)
    if year is not None and year.closed:
        return _("This year is closed: its journal is read-only.")
    clash = db.session.scalar(select(exists().where(
        SummativeRule.year_id == rule.year_id, SummativeRule.subject_id == rule.subject_id,
        SummativeRule.grade == rule.grade, SummativeRule.id != (rule.id or -1))))
    if clash:
        subject = db.session.get(Subject, rule.subject_id)
        return _("%(subject)s in grade %(grade)d already has a rule for %(year)s: change that "
                 "row instead.", subject=subject.name(str(get_locale())) if subject else "",
                 grade=rule.grade, year=year.name if year else "")
    return None
