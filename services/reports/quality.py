"""Report 3 (issue 18): quality and progress by class, parallel, level, subject and teacher,
the period beside the previous one with the change, and a small SVG bar per row on screen
(the "bar" column kind of services.reports.sheet). Figures are those of the summary sheet
(services.reports.progress, counted by services.reports.stats): a class's figures count each
pupil once by their lowest mark, a subject's or teacher's count each pupil's mark.

With a subject or teacher filter, the class, parallel and level sheets count that subject's
(that teacher's) marks only. For the year (year marks) there is no previous period: its
columns show "—".
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models import StudyPeriod, User
from models.people import Staff
from services import policy
from services.reports import filters as report_filters
from services.reports import progress, stats
from services.reports.progress import ClassMarks
from services.reports.registry import Report, register
from services.reports.sheet import Column, Sheet

# A group's figures now and before: (name, current stats, previous stats or None).
Row = tuple[str, stats.Stats, stats.Stats | None]


def previous_period(period: StudyPeriod | None, periods: list[StudyPeriod]
                    ) -> StudyPeriod | None:
    """The period before this one in its own scheme (None for the first and for the year)."""
    if period is None:
        return None
    return next((p for p in periods if p.scheme == period.scheme
                 and p.number == period.number - 1), None)


def _columns(grouping: str) -> list[Column]:
    return [Column("name", grouping, "text", 22), Column("n", _("Pupils counted (N)"), "int", 8),
            Column("p0", _("Progress, % (previous)"), "pct", 10),
            Column("p1", _("Progress, %"), "pct", 10), Column("dp", _("Change"), "num", 8),
            Column("q0", _("Quality, % (previous)"), "pct", 10),
            Column("q1", _("Quality, %"), "bar", 14), Column("dq", _("Change"), "num", 8),
            Column("s1", _("Degree of learning (SOU), %"), "pct", 10)]


def _value(v: float | None) -> float | str:
    return stats.NONE if v is None else round(v, 1)


def _change(now: float | None, before: float | None) -> float | str:
    return stats.NONE if now is None or before is None else round(now - before, 1)


def row_cells(name: str, now: stats.Stats, before: stats.Stats | None) -> list:
    """One sheet row: N, progress and quality before and now with the change, СОУ now."""
    p0 = before.progress if before else None
    q0 = before.quality if before else None
    return [name, now.n, _value(p0), _value(now.progress), _change(now.progress, p0),
            _value(q0), _value(now.quality), _change(now.quality, q0), _value(now.sou)]


def _figures(cm: ClassMarks, f: report_filters.Filters) -> stats.Stats:
    """A class's figures: by pupil, or only the filtered subject's / teacher's marks."""
    if f.subject is None and f.teacher is None:
        return cm.whole
    return stats.total(cm.subject_stats(s.id, f.teacher.id if f.teacher else None)
                       for s in cm.subjects if f.subject is None or s.id == f.subject.id)


def _summed(items: Iterable[tuple[tuple, stats.Stats, stats.Stats | None]]) -> list[Row]:
    """Figures summed into groups; an item is ((order, name), figures now, figures before
    or None), and a group has a previous figure if any of its items has one."""
    sums: dict[tuple, list] = defaultdict(lambda: [stats.Stats(), None])
    for key, now, before in items:
        group = sums[key]
        group[0] = group[0] + now
        if before is not None:
            group[1] = (group[1] or stats.Stats()) + before
    return [(name, a, b) for (_order, name), (a, b) in sorted(sums.items())]


def _grouped(now: list[ClassMarks], before: dict[int, ClassMarks],
             key: Callable[[ClassMarks], tuple], f: report_filters.Filters) -> list[Row]:
    """Classes summed into groups: key(cm) gives (order, name)."""
    olds = (before.get(cm.school_class.id) for cm in now)
    return _summed((key(cm), _figures(cm, f), _figures(old, f) if old else None)
                   for cm, old in zip(now, olds, strict=True))


def _by_page(now: list[ClassMarks], before: dict[int, ClassMarks], f: report_filters.Filters,
             key: Callable[[object], tuple]) -> list[Row]:
    """Subject pages' marks summed into groups: key(page) gives (order, name)."""
    def items():
        for cm in now:
            old = before.get(cm.school_class.id)
            for page in _pages(cm, f):
                ids = (page.subject_id, page.teacher_id)
                yield key(page), cm.subject_stats(*ids), old.subject_stats(*ids) if old else None
    return _summed(items())


def _pages(cm: ClassMarks, f: report_filters.Filters) -> Iterable:
    """The class's pages once per (subject, teacher) (subgroups of one teacher merged)."""
    seen = set()
    for page in cm.pages:
        if (f.subject is None or page.subject_id == f.subject.id) and \
                (f.teacher is None or page.teacher_id == f.teacher.id) and \
                (page.subject_id, page.teacher_id) not in seen:
            seen.add((page.subject_id, page.teacher_id))
            yield page


def _sheet(title: str, grouping: str, rows: list[Row], subtitle: str, empty: str) -> Sheet:
    sheet = Sheet(title, _columns(grouping), [row_cells(*r) for r in rows], subtitle=subtitle,
                  empty=empty, landscape=True)
    if rows:
        now = stats.total(r[1] for r in rows)
        olds = [r[2] for r in rows if r[2] is not None]
        sheet.totals = [row_cells(_("Total"), now, stats.total(olds) if olds else None)]
    return sheet


def _teacher_names(now: list[ClassMarks]) -> dict[int, str]:
    ids = {p.teacher_id for cm in now for p in cm.pages}
    return {s.id: s.name for s in db.session.scalars(select(Staff).where(Staff.id.in_(ids)))}


def _groupings(now: list[ClassMarks], before: dict[int, ClassMarks],
               f: report_filters.Filters) -> list[tuple[str, str, list[Row]]]:
    """(sheet title, first column's header, rows) of the five groupings."""
    levels = {"primary": (1, _("primary (1-4)")), "basic": (2, _("basic (5-9)")),
              "secondary": (3, _("secondary (10-11)"))}
    locale, teachers = str(get_locale()), _teacher_names(now)

    def by_class(cm: ClassMarks) -> tuple:
        return (cm.school_class.grade, cm.school_class.letter), cm.school_class.name

    def by_grade(cm: ClassMarks) -> tuple:
        return cm.school_class.grade, _("Grade %(grade)d", grade=cm.school_class.grade)

    def by_teacher(page) -> tuple:
        return teachers.get(page.teacher_id, ""), teachers.get(page.teacher_id, "")

    return [
        (_("By class"), _("Class"), _grouped(now, before, by_class, f)),
        (_("By parallel"), _("Parallel"), _grouped(now, before, by_grade, f)),
        (_("By level"), _("Level"), _grouped(
            now, before, lambda cm: levels[cm.school_class.level], f)),
        (_("By subject"), _("Subject"), _by_page(
            now, before, f, lambda page: (page.subject_id, page.subject.name(locale)))),
        (_("By teacher"), _("Teacher"), _by_page(now, before, f, by_teacher)),
    ]


def build(user: User, f: report_filters.Filters) -> list[Sheet]:
    """Five sheets: by class, parallel, level, subject and teacher, each period beside the
    previous one; a fixed number of queries (two loads of marks)."""
    classes = progress.readable_classes(user, f)
    own = progress.own_periods(classes, f.period)
    periods = report_filters.year_periods(f.year) if f.year else []
    prev = {cid: p for cid, p in ((cid, previous_period(p, periods)) for cid, p in own.items())
            if p is not None}
    now = progress.load(classes, own)
    before = {cm.school_class.id: cm for cm in progress.load(
        [c for c in classes if c.id in prev], prev)}
    subtitle = _("Year marks") if f.period is None else progress.period_name(f.period)
    empty = _("No classes to show for these filters.")
    return [_sheet(title, header, rows, subtitle, empty)
            for title, header, rows in _groupings(now, before, f)]


register(Report(
    "quality", title=lambda: _l("Quality and progress"),
    may=lambda user: policy.can_read_progress_reports(user), build=build,
    filters=("year", "period", "level", "grade", "class", "subject", "teacher"),
    about=lambda: _l("Progress, quality and degree of learning by class, parallel, level, "
                     "subject and teacher, beside the previous period."),
    order=12))
