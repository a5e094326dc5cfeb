"""The figures of the deputy's control dashboard (services/reports/dashboard.py draws them)
and the lessons or pupils behind each (blueprints/reports/control.py lists them), as a fixed
number of grouped queries whatever the school's size.

"Filled on the day": the topic was first entered (the audit trail's first lesson.update row
that changed the topic) before the end of the lesson's day at the school; a lesson with no
such row (imported, generated) is judged by Lesson.updated_at instead, an approximation (a
later edit makes it look late).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, cast, exists, func, literal, not_, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.types import DateTime, Integer

from extensions import db
from models import (
    AcademicYear,
    Enrolment,
    FinalMark,
    Lesson,
    Mark,
    Person,
    PlanItem,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    User,
)
from models.audit import AuditEvent
from services import clock, groups, policy
from services import school as school_service
from services.reports import filters as report_filters

# Period marks are due this many days after the end of the period (negative: before it).
# 001 says 2 days before, 000 3 days after; no school setting holds it yet, so a School
# column named period_mark_due_days is read when it exists, this default otherwise.
PERIOD_MARK_DUE_DAYS = -2
# Topics entered earlier than this before a period's first day are not looked for in the
# audit trail (the lesson's last change stands in): it keeps the look-up to the period's rows.
TOPIC_AHEAD_DAYS = 31
LESSON_KINDS = ("late", "no_topic", "no_homework", "plan")
PUPIL_KINDS = ("no_marks", "one_mark", "marks", "no_period_mark")


@dataclass(frozen=True)
class Span:
    """The days of a class's period the dashboard reads: start..upto (today at the latest),
    and the period itself (None: the whole year)."""

    start: dt.date
    end: dt.date
    upto: dt.date
    period: StudyPeriod | None


@dataclass
class Figures:
    page: SubjectPage
    span: Span
    held: int = 0
    late: int = 0
    no_topic: int = 0
    no_homework: int | None = 0
    pupils: int = 0
    no_marks: int | None = 0
    one_mark: int | None = 0
    marks: int = 0
    missing: int | None = None  # None: no period mark is due yet
    plan: int = 0
    covered: int = 0


def due_days() -> int:
    school = school_service.the_school()
    return getattr(school, "period_mark_due_days", PERIOD_MARK_DUE_DAYS)


def span_of(school_class: SchoolClass, period: StudyPeriod | None, year: AcademicYear,
            periods: list[StudyPeriod], today: dt.date) -> Span:
    """The class's own period for the one asked (half-years for a quarter), as days."""
    if period is not None and period.scheme != school_class.period_scheme:
        own = [p for p in periods if p.scheme == school_class.period_scheme]
        period = next((p for p in own if p.start_date <= period.end_date <= p.end_date),
                      own[-1] if own else period)
    start, end = (period.start_date, period.end_date) if period else (year.start_date,
                                                                        year.end_date)
    return Span(start, end, min(end, today), period)


def due_periods(span: Span, periods: list[StudyPeriod], scheme: str, today: dt.date,
                days: int) -> list[StudyPeriod]:
    """The periods of the span whose period marks were due before today."""
    chosen = [span.period] if span.period else [p for p in periods if p.scheme == scheme]
    return [p for p in chosen if p.end_date + dt.timedelta(days=days) < today]


# -- SQL pieces shared by the figures and their lists ------------------------------------------

def _day_end_utc(day_column, offset: dt.timedelta):
    """The instant (UTC, as stored) the school's day of the column ends."""
    minutes = int((dt.timedelta(days=1) - offset).total_seconds() // 60)
    if db.engine.dialect.name == "sqlite":
        return func.datetime(day_column, f"{minutes:+d} minutes")
    return cast(day_column, DateTime) + literal(dt.timedelta(minutes=minutes))


def topic_times(since: dt.date):
    """When each lesson's topic was first entered (the audit trail's first lesson.update row
    that changed it), as a subquery (object_id, first_at) grouped once: the rows are found
    through the (action, at) index from `since`, not lesson by lesson."""
    start = dt.datetime.combine(since - dt.timedelta(days=TOPIC_AHEAD_DAYS), dt.time())
    return (select(AuditEvent.object_id, func.min(AuditEvent.at).label("first_at"))
            .where(AuditEvent.action == "lesson.update", AuditEvent.at >= start,
                   AuditEvent.object_type == "lesson", AuditEvent.new.like('%"topic":%'))
            .group_by(AuditEvent.object_id).subquery())


def lesson_conditions(today: dt.date, times, unmarked: frozenset[int] = frozenset()
                      ) -> dict[str, object]:
    """The lesson gaps as SQL conditions over Lesson (joined to its SubjectPage and outer-
    joined to topic_times()): the counts and the lists use the same ones. A lesson is late
    once its day is over; the classes `unmarked` (attendance only) owe no homework."""
    offset = clock.zone().utcoffset(dt.datetime.combine(today, dt.time(12))) or dt.timedelta()
    filled = func.coalesce(times.c.first_at, Lesson.updated_at)
    on_day = and_(Lesson.topic != "", filled < _day_end_utc(Lesson.date, offset))
    return {"late": and_(not_(on_day), Lesson.date < today), "no_topic": Lesson.topic == "",
            "no_homework": and_(Lesson.homework == "",
                                SubjectPage.class_id.not_in(sorted(unmarked))),
            "plan": Lesson.plan_item_id.is_not(None)}


def _in_spans(spans: dict[int, Span], first_day: dt.date | None = None):
    """Lessons held (not cancelled, up to today) in each page's class span."""
    by_days: dict[tuple[dt.date, dt.date], list[int]] = {}
    for class_id, s in spans.items():
        by_days.setdefault((first_day or s.start, s.upto), []).append(class_id)
    return and_(not_(Lesson.cancelled), or_(*(
        and_(SubjectPage.class_id.in_(ids), Lesson.date.between(a, b))
        for (a, b), ids in by_days.items())))


def _on_page(day: dt.date):
    """The joined Enrolment puts its pupil on the joined SubjectPage on that day."""
    return and_(Enrolment.class_id == SubjectPage.class_id, Enrolment.start_date <= day,
                or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day),
                or_(SubjectPage.subgroup_id.is_(None),
                    groups.member_on(Enrolment.pupil_id, SubjectPage.subgroup_id, day)))


def _members_on(days: dict[int, dt.date]):
    by_day: dict[dt.date, list[int]] = {}
    for class_id, day in days.items():
        by_day.setdefault(day, []).append(class_id)
    return or_(*(and_(SubjectPage.class_id.in_(ids), _on_page(day))
                 for day, ids in by_day.items()))


def _pupil_marks(page_ids: list[int], spans: dict[int, Span]):
    """(page, pupil, marks) of the pupils on each page at the span's last day (those who
    left before it are not asked for marks), as a subquery."""
    marks = (select(Lesson.page_id, Mark.pupil_id, func.count().label("n"))
             .join(Lesson, Lesson.id == Mark.lesson_id)
             .join(SubjectPage, SubjectPage.id == Lesson.page_id)
             .where(Lesson.page_id.in_(page_ids), _in_spans(spans))
             .group_by(Lesson.page_id, Mark.pupil_id).subquery())
    members = (select(SubjectPage.id.label("page_id"), Enrolment.pupil_id)
               .join(Enrolment, Enrolment.class_id == SubjectPage.class_id)
               .where(SubjectPage.id.in_(page_ids),
                      _members_on({c: s.upto for c, s in spans.items()}))
               .distinct().subquery())
    n = func.coalesce(marks.c.n, 0)
    return (select(members.c.page_id, members.c.pupil_id, n.label("n"))
            .outerjoin(marks, and_(marks.c.page_id == members.c.page_id,
                                   marks.c.pupil_id == members.c.pupil_id)).subquery())


def _missing_marks(page_ids: list[int], due: dict[int, list[StudyPeriod]], today: dt.date):
    """A select of (page id, pupil id, period id): pupils on the page at the end of a due
    period (today at the latest) without its period mark (н/а and осв. count as given)."""
    clauses = [and_(SubjectPage.class_id == class_id, StudyPeriod.id == p.id,
                    _on_page(min(p.end_date, today)))
               for class_id, periods in due.items() for p in periods]
    given = exists().where(FinalMark.page_id == SubjectPage.id,
                           FinalMark.pupil_id == Enrolment.pupil_id,
                           FinalMark.kind == "period", FinalMark.period_id == StudyPeriod.id)
    return (select(SubjectPage.id, Enrolment.pupil_id, StudyPeriod.id)
            .join(Enrolment, Enrolment.class_id == SubjectPage.class_id)
            .join(StudyPeriod, literal(True))
            .where(SubjectPage.id.in_(page_ids), or_(*clauses) if clauses else literal(False),
                   not_(given)).distinct())


def missing_per_page(page_ids: list[int], due: dict[int, list[StudyPeriod]],
                     today: dt.date) -> dict[int, int]:
    """Missing period marks per page (one query); the period close counts them too."""
    if not page_ids or not any(due.values()):
        return {}
    rows = _missing_marks(page_ids, due, today).subquery()
    return dict(db.session.execute(select(rows.c[0], func.count()).group_by(rows.c[0])).all())


# -- the figures ---------------------------------------------------------------------------------

@dataclass
class Scope:
    """What the dashboard reads: the pages, each class's span, the due periods."""

    year: AcademicYear
    pages: list[SubjectPage]
    spans: dict[int, Span]
    due: dict[int, list[StudyPeriod]]
    today: dt.date


def scope(user: User, f: report_filters.Filters) -> Scope | None:
    """The subject pages of the classes this user oversees under the filters (3 queries)."""
    if f.year is None:
        return None
    today, days = clock.today(), due_days()
    classes = [c for c in report_filters.classes(user, f) if policy.oversees_class(user, c)]
    periods = report_filters.year_periods(f.year)
    spans = {c.id: span_of(c, f.period, f.year, periods, today) for c in classes}
    due = {c.id: due_periods(spans[c.id], periods, c.period_scheme, today, days)
           for c in classes}
    query = (select(SubjectPage).where(SubjectPage.class_id.in_(list(spans)))
             .options(joinedload(SubjectPage.teacher), joinedload(SubjectPage.subgroup)))
    if f.subject is not None:
        query = query.where(SubjectPage.subject_id == f.subject.id)
    if f.teacher is not None:
        query = query.where(SubjectPage.teacher_id == f.teacher.id)
    pages = list(db.session.scalars(query).unique())
    pages.sort(key=lambda p: (p.teacher.name, p.school_class.grade, p.school_class.letter,
                              p.subject.name_ru, p.subgroup.name if p.subgroup else ""))
    return Scope(f.year, pages, spans, due, today)


def unmarked_classes(pages: list[SubjectPage]) -> frozenset[int]:
    """The classes of these pages that keep attendance only (no marks, no homework)."""
    school = school_service.the_school()
    grades = school.no_marks_grade_set() if school else set()
    return frozenset(p.class_id for p in pages if p.school_class.grade in grades)


def lesson_counts(page_ids: list[int], spans: dict[int, Span], today: dt.date, group,
                  unmarked: frozenset[int] = frozenset()):
    """(group, held, late, no topic, no homework) of the held lessons, grouped by a column
    (the page, or its teacher for the week's sheet): one query."""
    times = topic_times(min(s.start for s in spans.values()))
    cond = lesson_conditions(today, times, unmarked)
    counts = [func.sum(case((cond[k], 1), else_=0)) for k in ("late", "no_topic",
                                                               "no_homework")]
    return db.session.execute(
        select(group, func.count(), *counts)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .outerjoin(times, times.c.object_id == Lesson.id)
        .where(Lesson.page_id.in_(page_ids), _in_spans(spans)).group_by(group)).all()


def figures(sc: Scope) -> list[Figures]:
    """Every page's figures in five grouped queries."""
    out = {p.id: Figures(p, sc.spans[p.class_id]) for p in sc.pages}
    if not out:
        return []
    ids = list(out)
    for page_id, held, late, no_topic, no_homework in lesson_counts(ids, sc.spans, sc.today,
                                                                     Lesson.page_id):
        out[page_id].held, out[page_id].late = held, late
        out[page_id].no_topic, out[page_id].no_homework = no_topic, no_homework
    marks = _pupil_marks(ids, sc.spans)
    for page_id, pupils, none, one, total in db.session.execute(
            select(marks.c.page_id, func.count(), func.sum(case((marks.c.n == 0, 1), else_=0)),
                   func.sum(case((marks.c.n == 1, 1), else_=0)),
                   # a sum of counts is NUMERIC on PostgreSQL (a Decimal, printed "1.3")
                   cast(func.sum(marks.c.n), Integer))
            .group_by(marks.c.page_id)):
        fig = out[page_id]
        fig.pupils, fig.no_marks, fig.one_mark, fig.marks = pupils, none, one, total
    _plan(sc, out)
    _finals(sc, out)
    return list(out.values())


def _plan(sc: Scope, out: dict[int, Figures]) -> None:
    """Plan topics of each page teacher for the subject and grade, and those the page's
    lessons covered from the start of the year (two queries)."""
    teachers = {p.teacher_id for p in sc.pages}
    totals = {(t, s, g): n for t, s, g, n in db.session.execute(
        select(PlanItem.teacher_id, PlanItem.subject_id, PlanItem.grade, func.count())
        .where(PlanItem.teacher_id.in_(teachers))
        .group_by(PlanItem.teacher_id, PlanItem.subject_id, PlanItem.grade))}
    covered = dict(db.session.execute(
        select(Lesson.page_id, func.count(func.distinct(Lesson.plan_item_id)))
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .join(PlanItem, and_(PlanItem.id == Lesson.plan_item_id,
                             PlanItem.teacher_id == SubjectPage.teacher_id))
        .where(Lesson.page_id.in_(list(out)), _in_spans(sc.spans, sc.year.start_date))
        .group_by(Lesson.page_id)).all())
    for fig in out.values():
        p = fig.page
        fig.plan = totals.get((p.teacher_id, p.subject_id, p.school_class.grade), 0)
        fig.covered = covered.get(p.id, 0)


def _finals(sc: Scope, out: dict[int, Figures]) -> None:
    """Missing period marks where due; attendance-only grades have no marks at all."""
    school = school_service.the_school()
    no_marks = school.no_marks_grade_set() if school else set()
    missing = missing_per_page(list(out), sc.due, sc.today)
    for fig in out.values():
        if fig.page.school_class.grade in no_marks:
            fig.no_homework = fig.no_marks = fig.one_mark = None
        elif not fig.held:  # nobody could be marked: not a gap in marking
            fig.no_marks = fig.one_mark = None
        elif sc.due.get(fig.page.class_id):
            fig.missing = missing.get(fig.page.id, 0)



# -- the lists behind the figures ----------------------------------------------------------------

def gap_lessons(pages: list[SubjectPage], kind: str, spans: dict[int, Span],
                year: AcademicYear, today: dt.date) -> list[tuple[Lesson, PlanItem | None]]:
    """The held lessons of the pages behind a lesson figure, by date, with their plan topic
    (the page teacher's); "plan" counts from the start of the year."""
    item = and_(PlanItem.id == Lesson.plan_item_id, PlanItem.teacher_id == SubjectPage.teacher_id)
    times = topic_times(min(s.start for s in spans.values()))
    cond = PlanItem.id.is_not(None) if kind == "plan" else lesson_conditions(
        today, times, unmarked_classes(pages))[kind]
    first = year.start_date if kind == "plan" else None
    return list(db.session.execute(
        select(Lesson, PlanItem).join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .outerjoin(PlanItem, item).outerjoin(times, times.c.object_id == Lesson.id)
        .where(Lesson.page_id.in_([p.id for p in pages]), _in_spans(spans, first), cond)
        .options(joinedload(Lesson.page))
        .order_by(Lesson.date, Lesson.lesson_number, Lesson.page_id)).all())


def gap_pupils(page: SubjectPage, kind: str, span: Span, due: list[StudyPeriod],
               today: dt.date) -> list[tuple[Pupil, object]]:
    """The pupils of a page behind a pupil figure, A-Z: with their number of marks, or
    with the period whose mark is missing."""
    if kind == "no_period_mark":
        rows = _missing_marks([page.id], {page.class_id: due}, today).subquery()
        query = select(Pupil, StudyPeriod).join(rows, rows.c.pupil_id == Pupil.id).join(
            StudyPeriod, StudyPeriod.id == rows.c[2])
    else:
        rows = _pupil_marks([page.id], {page.class_id: span})
        query = select(Pupil, rows.c.n).join(rows, rows.c.pupil_id == Pupil.id)
        if kind != "marks":
            query = query.where(rows.c.n == (0 if kind == "no_marks" else 1))
    query = query.join(Person, Person.id == Pupil.person_id).order_by(
        Person.last_name, Person.first_name, Pupil.id)
    return list(db.session.execute(query).all())


def week_of(today: dt.date) -> Span:
    """This week up to today: the weekly state the deputy prints."""
    return Span(today - dt.timedelta(days=today.weekday()), today, today, None)
