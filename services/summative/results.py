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


def _window(period: StudyPeriod, periods: list[StudyPeriod]) -> tuple:
    """The dates that may count for a mark given in or about `period`: its half-year too."""
    if len(periods) == 4 and period.scheme == "quarter":
        index = periods.index(period)
        pair = periods[index - index % 2:index - index % 2 + 2]
        return pair[0].start_date, pair[-1].end_date
    return period.start_date, period.end_date


def _compute(pages: list[SubjectPage], pupil_ids: list[int], period: StudyPeriod,
             periods: list[StudyPeriod]) -> dict[int, PageResults]:
    start, end = _window(period, periods)
    page_ids = [p.id for p in pages]
    rule_of = settings.rules_of(pages)
    works = list(db.session.scalars(
        select(SummativeWork).where(SummativeWork.page_id.in_(page_ids),
                                    SummativeWork.date >= start, SummativeWork.date <= end)
        .order_by(SummativeWork.date, SummativeWork.kind.desc(), SummativeWork.id)))
    points: dict[tuple[int, int], int] = {}
    if works and pupil_ids:
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
        rule = rule_of[page.id]
        span = settings.span_of(period, periods, rule)
        mine = [w for w in works if w.page_id == page.id]
        shown = [w for w in mine if period.contains(w.date)]
        counted = [w for w in mine if any(p.contains(w.date) for p in span)]
        results = {}
        for pupil_id in pupil_ids:
            result = PupilResult({w.id: points[w.id, pupil_id] for w in mine
                                  if (w.id, pupil_id) in points})
            result.fo = [v for day, v in fo.get((page.id, pupil_id), ())
                         if any(p.contains(day) for p in span or [period])]
            if span:
                result.outcome = _outcome(page, counted, result, rule,
                                          settings.weights_of(page.school_class.year))
            results[pupil_id] = result
        out[page.id] = PageResults(page, rule, settings.weights_of(page.school_class.year),
                                   shown, span, counted, results)
    return out


def _outcome(page: SubjectPage, works: list[SummativeWork], result: PupilResult,
             rule: settings.Rule, weights: formula.Weights) -> formula.Outcome:
    def pairs(kind):
        return [(result.points[w.id], w.max_points) for w in works
                if w.kind == kind and w.id in result.points]
    return formula.outcome(result.fo, pairs("sor"), pairs("soch"), weights, rule.has_soch,
                           page.school_class.grade)
