"""Works, points and suggested marks of criteria-based pages for one period, read in a fixed
number of queries whatever the number of pupils, works and pages: the grid (one page, its
pupils), the diary (one pupil, the class's pages) and the analysis (one page) share it."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from extensions import db
from models import Lesson, Mark, StudyPeriod, SubjectPage, SummativeWork, WorkPoints
from services.summative import formula, settings


@dataclass
class PupilResult:
    """One pupil on one page: points by work id, the ФО marks, and the computed outcome
    (None when no mark is given at the end of this period)."""

    points: dict[int, int] = field(default_factory=dict)
    fo: list[int] = field(default_factory=list)
    outcome: formula.Outcome | None = None


@dataclass
class PageResults:
    page: SubjectPage
    rule: settings.Rule
    weights: formula.Weights
    works: list[SummativeWork]  # dated in the period asked: the grid's columns
    span: list[StudyPeriod]  # the periods this period's mark is made of ([]: no mark here)
    span_works: list[SummativeWork]  # the works of those periods, by date
    pupils: dict[int, PupilResult]

    def result(self, pupil_id: int) -> PupilResult:
        return self.pupils.get(pupil_id) or PupilResult()


def page_results(page: SubjectPage, period: StudyPeriod, periods: list[StudyPeriod],
                 pupil_ids: list[int]) -> PageResults:
    """One page's works in the period and every listed pupil's points and outcome: 4 queries."""
    return _compute([page], pupil_ids, period, periods)[page.id]


def pupil_results(pupil_id: int, pages: list[SubjectPage], period: StudyPeriod,
                  periods: list[StudyPeriod]) -> dict[int, PageResults]:
    """One pupil on several pages of a class (the diary): 4 queries, by page id."""
    return _compute(pages, [pupil_id], period, periods)


def _compute(pages: list[SubjectPage], pupil_ids: list[int], period: StudyPeriod,
             periods: list[StudyPeriod]) -> dict[int, PageResults]:
    rule_of = settings.rules_of(pages)
    spans = {p.id: settings.span_of(period, periods, rule_of[p.id]) for p in pages}
    # The dates read: the period, and the half-year only where a page is marked per half-year.
    dated = [period, *(q for span in spans.values() for q in span)]
    start, end = min(q.start_date for q in dated), max(q.end_date for q in dated)
    page_ids = [p.id for p in pages]
    works = list(db.session.scalars(
        select(SummativeWork).where(SummativeWork.page_id.in_(page_ids),
                                    SummativeWork.date >= start, SummativeWork.date <= end)
        .order_by(SummativeWork.date, SummativeWork.kind.desc(), SummativeWork.id)))
    points: dict[tuple[int, int], int] = {}
    if pupil_ids:  # asked even without works: the same statements whatever the data
        for work_id, pupil_id, got in db.session.execute(
                select(WorkPoints.work_id, WorkPoints.pupil_id, WorkPoints.points).where(
                    WorkPoints.work_id.in_([w.id for w in works]),
                    WorkPoints.pupil_id.in_(pupil_ids))):
            points[work_id, pupil_id] = got
    fo: dict[tuple[int, int], list[tuple]] = {}
    if pupil_ids:
        for page_id, pupil_id, value, day in db.session.execute(
                select(Lesson.page_id, Mark.pupil_id, Mark.value, Lesson.date)
                .join(Lesson, Lesson.id == Mark.lesson_id)
                .where(Lesson.page_id.in_(page_ids), Mark.pupil_id.in_(pupil_ids),
                       Lesson.date >= start, Lesson.date <= end)):
            fo.setdefault((page_id, pupil_id), []).append((day, value))
    out = {}
    for page in pages:
        rule, span = rule_of[page.id], spans[page.id]
        weights = settings.weights_of(page.school_class.year)
        # A span is consecutive periods: one range of dates (the period's when no mark).
        first, last = (span[0].start_date, span[-1].end_date) if span else \
            (period.start_date, period.end_date)
        mine = [w for w in works if w.page_id == page.id]
        shown = [w for w in mine if period.contains(w.date)]
        counted = [w for w in mine if span and first <= w.date <= last]
        results = {}
        for pupil_id in pupil_ids:
            result = PupilResult({w.id: points[w.id, pupil_id] for w in mine
                                  if (w.id, pupil_id) in points})
            result.fo = [v for day, v in fo.get((page.id, pupil_id), ()) if first <= day <= last]
            if span:
                result.outcome = _outcome(page, counted, result, rule, weights)
            results[pupil_id] = result
        out[page.id] = PageResults(page, rule, weights, shown, span, counted, results)
    return out


def _outcome(page: SubjectPage, works: list[SummativeWork], result: PupilResult,
             rule: settings.Rule, weights: formula.Weights) -> formula.Outcome:
    def pairs(kind):
        return [(result.points[w.id], w.max_points) for w in works
                if w.kind == kind and w.id in result.points]
    return formula.outcome(result.fo, pairs("sor"), pairs("soch"), weights, rule.has_soch,
                           page.school_class.grade)
