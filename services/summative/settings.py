"""Where the criteria-based rules differ: the year's weights and each subject's rule.

A subject with one hour a week has no СОЧ and is marked per half-year unless the year's
rules (SummativeRule, per subject and grade) say otherwise; every other subject has a СОЧ
each period. In a class with quarters, a half-year subject's mark is given at the end of
quarters 2 and 4 over the works of both quarters of the half.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models import AcademicYear, StudyPeriod, SubjectPage, SummativeRule
from services.summative.formula import Weights


@dataclass(frozen=True)
class Rule:
    has_soch: bool
    by_half_year: bool


def weights_of(year: AcademicYear) -> Weights:
    return Weights(year.fo_weight, year.sor_weight, year.soch_weight)


def default_rule(hours_per_week: int) -> Rule:
    one_hour = hours_per_week <= 1
    return Rule(has_soch=not one_hour, by_half_year=one_hour)


def rule_of(page: SubjectPage) -> Rule:
    """The page's rule: its subject's row for the grade and year, else by its hours."""
    return rules_of([page])[page.id]


def rules_of(pages: list[SubjectPage]) -> dict[int, Rule]:
    """The rules of pages of one class (or year) by page id, in one query."""
    if not pages:
        return {}
    year_ids = {p.school_class.year_id for p in pages}
    rows = {(r.year_id, r.subject_id, r.grade): Rule(r.has_soch, r.by_half_year)
            for r in db.session.scalars(select(SummativeRule).where(
                SummativeRule.year_id.in_(year_ids),
                SummativeRule.subject_id.in_({p.subject_id for p in pages})))}
    return {p.id: rows.get((p.school_class.year_id, p.subject_id, p.school_class.grade))
            or default_rule(p.hours_per_week) for p in pages}


def halves(periods: list[StudyPeriod], rule: Rule) -> bool:
    """Are marks given per half-year over pairs of quarters?"""
    return rule.by_half_year and bool(periods) and periods[0].scheme == "quarter" \
        and len(periods) == 4


def span_of(period: StudyPeriod, periods: list[StudyPeriod], rule: Rule) -> list[StudyPeriod]:
    """The periods whose works make the mark given for `period`: the period alone, or its
    half-year's two quarters. Empty when no mark is given at the end of `period` (the first
    quarter of a half-year subject)."""
    if not halves(periods, rule):
        return [period]
    index = periods.index(period)
    if index % 2 == 0:
        return []
    return periods[index - 1:index + 1]


def marked_period(period: StudyPeriod, periods: list[StudyPeriod], rule: Rule) -> StudyPeriod:
    """The period whose mark the works of `period` count towards."""
    if not halves(periods, rule):
        return period
    index = periods.index(period)
    return periods[index + 1] if index % 2 == 0 else period
