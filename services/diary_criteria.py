"""The diary of a pupil in a criteria-based class (issue 21; DOMAIN.md 8): each summative
work's points, the SAU, SAT and FA percentages, the total and the mark it suggests, read for
all the pupil's subjects in a fixed number of queries (services.summative.results).

A 10-point formative mark is not a 5-point mark: such a class shows no weighted average
and no predicted mark; the computed suggestion takes their place, and the mark the teacher
gave stays beside it (the teacher's reason for another mark is a note to the administration,
not shown to the family).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import and_, select

from extensions import db
from models import StudyPeriod, SubjectPage, SummativeWork, WorkPoints
from services.summative import formula, results, settings
from services.summative.schedule import kind_label


@dataclass
class WorkLine:
    """One summative work as the family reads it: the pupil's points, or None (not written,
    or not marked yet)."""

    work_id: int
    page_id: int
    kind: str  # "sor" | "soch"
    label: str  # SAU / SAT in the reader's language
    name: str
    date: dt.date
    max_points: int
    points: int | None

    @property
    def percent(self) -> Fraction | None:
        if self.points is None:
            return None
        return formula.ratio_percent([(self.points, self.max_points)])


@dataclass
class CriteriaResult:
    """One subject page of the pupil for the period asked: the works shown (those counted
    for its mark: both quarters of a half-year subject), the computed outcome (None in a
    half-year subject's first quarter: `marked_in` names the period whose end brings it)."""

    page_id: int
    weights: formula.Weights
    has_soch: bool
    works: list[WorkLine] = field(default_factory=list)
    outcome: formula.Outcome | None = None
    span: list[StudyPeriod] = field(default_factory=list)
    marked_in: StudyPeriod | None = None

    @property
    def half_year(self) -> bool:
        return len(self.span) > 1

    @property
    def shares(self) -> dict[str, Fraction]:
        """The share in percent of each part in force ("fo", "sor", "soch") as the formula
        counts it: a subject without a SAT shares the SAT's weight out among the others."""
        raw = {"fo": self.weights.fo, "sor": self.weights.sor,
               "soch": self.weights.soch if self.has_soch else 0}
        total = sum(raw.values())
        return {k: Fraction(v * 100, total) for k, v in raw.items() if v > 0} if total else {}

    @property
    def has_results(self) -> bool:
        """Any points of the pupil's, or any formative mark counted."""
        return any(w.points is not None for w in self.works) or bool(
            self.outcome and self.outcome.fo is not None)


def subject_results(pupil_id: int, pages: list[SubjectPage], period: StudyPeriod,
                    periods: list[StudyPeriod]) -> dict[int, CriteriaResult]:
    """The pupil's results on each page (by page id) for the period: the queries of
    services.summative.results.pupil_results, whatever the number of pages and works."""
    if not pages:
        return {}
    out = {}
    for page_id, found in results.pupil_results(pupil_id, pages, period, periods).items():
        mine = found.result(pupil_id)
        works = found.span_works if found.span else found.works
        out[page_id] = CriteriaResult(
            page_id, found.weights, found.rule.has_soch,
            [_line(w, mine.points.get(w.id)) for w in works], mine.outcome, found.span,
            None if found.span else settings.marked_period(period, periods, found.rule))
    return out


def _line(work: SummativeWork, points: int | None) -> WorkLine:
    return WorkLine(work.id, work.page_id, work.kind, kind_label(work.kind), work.name,
                    work.date, work.max_points, points)


def works_of_week(pupil_id: int, page_ids: list[int], monday: dt.date,
                  saturday: dt.date) -> list[WorkLine]:
    """The summative works of the pupil's pages dated in the week, with the pupil's points
    (None before they are entered). One query."""
    if not page_ids:
        return []
    rows = db.session.execute(
        select(SummativeWork, WorkPoints.points)
        .outerjoin(WorkPoints, and_(WorkPoints.work_id == SummativeWork.id,
                                    WorkPoints.pupil_id == pupil_id))
        .where(SummativeWork.page_id.in_(page_ids),
               SummativeWork.date.between(monday, saturday))
        .order_by(SummativeWork.date, SummativeWork.kind.desc(), SummativeWork.id))
    return [_line(work, points) for work, points in rows]
