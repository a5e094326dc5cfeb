"""Report 2 of issue 18: the summary attendance sheet (сводная ведомость учета посещаемости,
DOMAIN.md 8) of a class for a period or the whole year.

Per pupil: full days missed (every lesson of the pupil's day missed: the lessons counted are
those of the pages the pupil is on that day, subgroups included) and of which for illness;
lessons missed, of which excused, of which for illness, unexcused (reason "unexcused" or
none yet); late arrivals, which are not absences. A second sheet counts lessons missed per
subject. With several classes in the filters a row is a class, not a pupil.

Illness is health data (DOMAIN.md 9): only leadership over the class and its class teacher
open the sheet (policy.can_read_class_attendance), and the illness columns are shown only
when the user may see reasons for every class of the sheet. Five queries whatever the size:
lessons grouped by class/day/subgroup/subject, their subjects, subgroup memberships,
enrolments, absences grouped by pupil/day/subject/reason; a pupil's lessons of a day are
added up in Python from the first and the third.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from extensions import db
from models import (
    Attendance,
    Enrolment,
    Lesson,
    Person,
    Pupil,
    SchoolClass,
    Subgroup,
    SubgroupMember,
    Subject,
    SubjectPage,
    User,
)
from services import policy
from services.absences import EXCUSED
from services.reports import filters as report_filters
from services.reports.filters import Filters
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet

Span = tuple[dt.date, dt.date]


@dataclass
class Tally:
    """The figures of one row (a pupil or a class)."""

    days: int = 0
    days_ill: int = 0
    lessons: int = 0
    excused: int = 0
    ill: int = 0
    unexcused: int = 0
    late: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class PupilRow:
    class_id: int
    pupil_id: int
    name: str
    spans: list[Span]  # the pupil's enrolments in the class, clipped to the period
    left_on: dt.date | None = None  # left the class before the period's end
    tally: Tally | None = None
    by_subject: dict[int, int] | None = None

    def on(self, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.spans)


def _span(school_class: SchoolClass, f: Filters) -> Span | None:
    """The class's dates for the filters: its own period (half-years for seniors) or the year."""
    if f.period is None:
        return f.year.start_date, f.year.end_date
    own = report_filters.period_of_class(school_class, f.period)
    return (own.start_date, own.end_date) if own else None


def _pupils(spans: dict[int, Span]) -> dict[tuple[int, int], PupilRow]:
    """Everyone enrolled in the classes during their spans, alphabetically (one query)."""
    first, last = min(s[0] for s in spans.values()), max(s[1] for s in spans.values())
    rows = db.session.execute(
        select(Enrolment.class_id, Enrolment.pupil_id, Enrolment.start_date,
               Enrolment.end_date, Person.last_name, Person.first_name, Person.patronymic)
        .join(Pupil, Pupil.id == Enrolment.pupil_id).join(Person, Person.id == Pupil.person_id)
        .where(Enrolment.class_id.in_(list(spans)), Enrolment.start_date <= last,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))
        .order_by(Person.last_name, Person.first_name, Person.patronymic, Enrolment.pupil_id,
                  Enrolment.start_date))
    out: dict[tuple[int, int], PupilRow] = {}
    for class_id, pupil_id, start, end, last_name, first_name, middle in rows:
        a, b = spans[class_id]
        clipped = (max(a, start), min(b, end or b))
        if clipped[0] > clipped[1]:
            continue
        row = out.setdefault((class_id, pupil_id), PupilRow(
            class_id, pupil_id, Person.short_of(last_name, first_name, middle), []))
        row.spans.append(clipped)
        row.left_on = end if end is not None and end < b else None
    return out


def _absences(spans: dict[int, Span]) -> list[tuple]:
    """(class, pupil, day, subject, status, reason, count), grouped in the database."""
    first, last = min(s[0] for s in spans.values()), max(s[1] for s in spans.values())
    return list(db.session.execute(
        select(SubjectPage.class_id, Attendance.pupil_id, Lesson.date, SubjectPage.subject_id,
               Attendance.status, Attendance.reason, func.count())
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .join(SubjectPage, SubjectPage.id == Lesson.page_id)
        .where(SubjectPage.class_id.in_(list(spans)), Lesson.date.between(first, last),
               Lesson.cancelled.is_(False))
        .group_by(SubjectPage.class_id, Attendance.pupil_id, Lesson.date,
                  SubjectPage.subject_id, Attendance.status, Attendance.reason)).all())


@dataclass
class Timetable:
    """Lessons held per class and day, split by subgroup (None: the whole class), and the
    pupils' dated subgroup memberships: a pupil's lessons on a day, counted in Python."""

    per_day: dict[tuple[int, dt.date], dict[int | None, int]]
    groups: dict[int, list[tuple[int, dt.date | None, dt.date | None]]]
    held: dict[int, int]  # lessons per class in its span
    subjects: list[Subject]

    def lessons(self, class_id: int, pupil_id: int, day: dt.date) -> int:
        counts = self.per_day.get((class_id, day), {})
        return counts.get(None, 0) + sum(
            counts.get(group, 0) for group, start, end in self.groups.get(pupil_id, [])
            if (start is None or start <= day) and (end is None or end >= day))


def _timetable(spans: dict[int, Span]) -> Timetable:
    """Lessons per class, day, subgroup and subject; the subjects; the memberships (three
    small queries: grouped rows, not one row per pupil and lesson)."""
    first, last = min(s[0] for s in spans.values()), max(s[1] for s in spans.values())
    rows = db.session.execute(
        select(SubjectPage.class_id, Lesson.date, SubjectPage.subgroup_id,
               SubjectPage.subject_id, func.count())
        .join(Lesson, Lesson.page_id == SubjectPage.id)
        .where(SubjectPage.class_id.in_(list(spans)), Lesson.date.between(first, last),
               Lesson.cancelled.is_(False))
        .group_by(SubjectPage.class_id, Lesson.date, SubjectPage.subgroup_id,
                  SubjectPage.subject_id)).all()
    per_day: dict[tuple[int, dt.date], dict[int | None, int]] = defaultdict(
        lambda: defaultdict(int))
    held: dict[int, int] = defaultdict(int)
    subject_ids: set[int] = set()
    for class_id, day, group, subject_id, n in rows:
        a, b = spans[class_id]
        if a <= day <= b:
            per_day[(class_id, day)][group] += n
            held[class_id] += n
            subject_ids.add(subject_id)
    locale = str(get_locale())
    subjects = sorted(db.session.scalars(select(Subject).where(Subject.id.in_(subject_ids))),
                      key=lambda s: s.name(locale).casefold())
    groups: dict[int, list] = defaultdict(list)
    for pupil_id, group, start, end in db.session.execute(
            select(SubgroupMember.pupil_id, SubgroupMember.subgroup_id,
                   SubgroupMember.start_date, SubgroupMember.end_date)
            .join(Subgroup, Subgroup.id == SubgroupMember.subgroup_id)
            .where(Subgroup.class_id.in_(list(spans)))):
        groups[pupil_id].append((group, start, end))
    return Timetable(per_day, groups, held, subjects)


def _tally(pupils: dict[tuple[int, int], PupilRow], absences: list[tuple],
           timetable: Timetable) -> None:
    """Fill each pupil's figures; absences outside the pupil's enrolment are not theirs."""
    days: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    for row in pupils.values():
        row.tally, row.by_subject = Tally(), defaultdict(int)
    for class_id, pupil_id, day, subject_id, status, reason, n in absences:
        row = pupils.get((class_id, pupil_id))
        if row is None or not row.on(day):
            continue
        t = row.tally
        if status == "late":
            t.late += n
            continue
        t.lessons += n
        t.excused += n if reason in EXCUSED else 0
        t.ill += n if reason == "illness" else 0
        t.unexcused += n if reason in (None, "unexcused") else 0
        row.by_subject[subject_id] += n
        day_count = days[(class_id, pupil_id, day)]
        day_count[0] += n
        day_count[1] += n if reason == "illness" else 0
    for key, (missed, ill) in days.items():
        if missed >= timetable.lessons(*key) > 0:
            pupils[key[:2]].tally.days += 1
            pupils[key[:2]].tally.days_ill += 1 if ill == missed else 0


def _columns(head: list[Column], health: bool) -> list[Column]:
    cols = [*head,
            Column("days", _("Full days missed"), "int", 10),
            Column("days_ill", _("of them for illness"), "int", 10),
            Column("lessons", _("Lessons missed"), "int", 10),
            Column("excused", _("of them excused"), "int", 10),
            Column("ill", _("of them for illness"), "int", 10),
            Column("unexcused", _("unexcused"), "int", 10),
            Column("late", _("Late arrivals"), "int", 10)]
    return [c for c in cols if health or c.key not in ("days_ill", "ill")]


def _figures(t: Tally, health: bool) -> list[int]:
    values = [t.days, t.days_ill, t.lessons, t.excused, t.ill, t.unexcused, t.late]
    return [v for v, key in zip(values, ("days", "days_ill", "lessons", "excused", "ill",
                                         "unexcused", "late"), strict=True)
            if health or key not in ("days_ill", "ill")]


def period_label(f: Filters) -> str:
    """The period a sheet covers, as its subtitle says it."""
    if f.period is None:
        return _("The whole year %(year)s", year=f.year.name)
    label = {"half": _("Half-year %(n)d", n=f.period.number),
             "trimester": _("Trimester %(n)d", n=f.period.number)}.get(
        f.period.scheme, _("Quarter %(n)d", n=f.period.number))
    return f"{label}: {f.period.start_date:%d.%m.%Y} – {f.period.end_date:%d.%m.%Y}"


def _pupil_name(row: PupilRow) -> str:
    if row.left_on is None:
        return row.name
    return _("%(name)s (left %(date)s)", name=row.name, date=f"{row.left_on:%d.%m.%Y}")


def _class_sheets(cls: SchoolClass, pupils: list[PupilRow], subjects: list[Subject],
                  held: int, health: bool, f: Filters) -> list[Sheet]:
    """One class: a row per pupil, the class's totals, the class teacher's signature line."""
    head = [Column("no", "№", "int", 4), Column("pupil", _("Pupil"), "text", 30)]
    total = Tally()
    for p in pupils:
        total.add(p.tally)
    reason = (_("No pupils were enrolled in this class in this period.") if not pupils else
              _("No lessons were held in this class in this period.") if not held else "")
    signatures = [(_("Class teacher"), cls.class_teacher.name if cls.class_teacher else "")]
    main = Sheet(_("Attendance: %(cls)s", cls=cls.name), _columns(head, health),
                 [[n, _pupil_name(p), *_figures(p.tally, health)]
                  for n, p in enumerate(pupils, start=1)] if held else [],
                 totals=[[None, _("Total"), *_figures(total, health)]] if held and pupils else [],
                 subtitle=period_label(f), empty=reason, signatures=signatures, landscape=True)
    by_subject = _subject_sheet(cls.name, head, [
        ([n, _pupil_name(p)], p.by_subject) for n, p in enumerate(pupils, start=1)],
        subjects if held else [], reason, f)
    return [main, by_subject]


def _subject_sheet(name: str, head: list[Column], rows: list[tuple[list, dict[int, int]]],
                   subjects: list[Subject], reason: str, f: Filters) -> Sheet:
    """Lessons missed per subject: a column per subject taught, a row per pupil or class."""
    locale = str(get_locale())
    columns = [*head, *[Column(f"s{s.id}", s.name(locale), "int", 8) for s in subjects],
               Column("total", _("Total"), "int", 8)]
    body = [[*lead, *[counts.get(s.id, 0) for s in subjects], sum(counts.values())]
            for lead, counts in rows] if subjects else []
    sums = [sum(r[i] for r in body) for i in range(len(head), len(columns))]
    totals = [[*([None] * (len(head) - 1)), _("Total"), *sums]] if body else []
    return Sheet(_("Lessons missed per subject: %(name)s", name=name), columns, body,
                 totals=totals, subtitle=period_label(f), empty=reason, landscape=True)


def _school_sheets(classes: list[SchoolClass], pupils: list[PupilRow], subjects: list[Subject],
                   held: dict[int, int], health: bool, f: Filters) -> list[Sheet]:
    """Several classes: a row per class (its name links to the class's own sheet)."""
    from flask import url_for  # links only; the figures need no request

    tallies = {c.id: Tally() for c in classes}
    counts = {c.id: 0 for c in classes}
    by_subject: dict[int, dict[int, int]] = {c.id: defaultdict(int) for c in classes}
    for p in pupils:
        tallies[p.class_id].add(p.tally)
        counts[p.class_id] += 1
        for subject_id, n in p.by_subject.items():
            by_subject[p.class_id][subject_id] += n
    total = Tally()
    for t in tallies.values():
        total.add(t)
    head = [Column("class", _("Class"), "text", 10), Column("pupils", _("Pupils"), "int", 8)]
    links = {c.id: Link(c.name, url_for("reports.show", key="attendance",
                                        **f.args(**{"class": c.id}))) for c in classes}
    main = Sheet(_("Attendance by class"), _columns(head, health),
                 [[links[c.id], counts[c.id], *_figures(tallies[c.id], health)]
                  for c in classes],
                 totals=[[_("Total"), sum(counts.values()), *_figures(total, health)]],
                 subtitle=period_label(f), landscape=True,
                 notes=[_("%(cls)s: no lessons in this period.", cls=c.name)
                        for c in classes if not held.get(c.id)])
    per_subject = _subject_sheet(_("by class"), head, [
        ([links[c.id], counts[c.id]], by_subject[c.id]) for c in classes], subjects, "", f)
    return [main, per_subject]


def build(user: User, f: Filters) -> list[Sheet]:
    """The sheets for the classes of the filters this user may read attendance of."""
    classes = [c for c in report_filters.classes(user, f)
               if policy.can_read_class_attendance(user, c)]
    health = all(policy.can_see_class_absence_reasons(user, c) for c in classes)
    spans = {c.id: s for c in classes if (s := _span(c, f)) is not None}
    # A class whose scheme (half-years, trimesters) has no period for the dates asked.
    missing = [c.name for c in classes if c.id not in spans]
    unplanned = _("Not counted, no study period of their scheme for these dates: "
                  "%(classes)s.", classes=", ".join(missing))
    if not spans:
        return [Sheet(_("Summary attendance sheet"),
                      _columns([Column("class", _("Class"))], health),
                      empty=unplanned if missing else
                      _("No class you may read matches these filters."))]
    classes = [c for c in classes if c.id in spans]
    timetable = _timetable(spans)
    pupils = _pupils(spans)
    _tally(pupils, _absences(spans), timetable)
    rows = list(pupils.values())
    if len(classes) == 1 and not missing:
        return _class_sheets(classes[0], rows, timetable.subjects,
                             timetable.held.get(classes[0].id, 0), health, f)
    sheets = _school_sheets(classes, rows, timetable.subjects, timetable.held, health, f)
    sheets[0].notes.extend([unplanned] if missing else [])
    return sheets

register(Report(
    "attendance", title=lambda: _("Summary attendance sheet"),
    may=policy.can_read_attendance_report, build=build,
    filters=("year", "period", "level", "grade", "class"),
    about=lambda: _("Full days and lessons missed per pupil, of which excused and for "
                    "illness, unexcused, late arrivals; lessons missed per subject."),
    order=20))
