"""The hard copy of a class journal for a study period (001 section 6; DOMAIN.md 4 "Period
close"): one PDF per class, A4 landscape, for the register.

It holds a title page the class teacher certifies; per subject page the grid of marks and
absences (pupils × lesson dates, split into tables of at most COLUMNS lessons so that a
wide grid fits the sheet) and the list of lessons with topics and homework, ending with the
subject teacher's signature line; the summary sheets (the progress and attendance reports,
when those are registered); the change log of late corrections when it has rows; and the
deputy's and the director's signature lines.

hard_copy_html() and hard_copy_pdf() take the class and the period only: no request, no
signed-in user (the background batch calls them). Everything is read in a fixed number of
queries whatever the number of pupils, pages and lessons.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, joinedload

from extensions import db
from models import (
    Attendance,
    Enrolment,
    FinalMark,
    Lesson,
    Mark,
    Person,
    Pupil,
    SchoolClass,
    Staff,
    StudyPeriod,
    SubgroupMember,
    SubjectPage,
    User,
    UserRole,
)
from services import clock, pdf, policy
from services import journal as rules
from services import school as school_service
from services.corrections import log as change_log
from services.reports import filters as report_filters
from services.reports import registry
from services.reports.extract import director_name
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet, shown

SUMMARIES = ("progress", "attendance")  # report keys whose sheets the copy binds


# Lesson columns per grid table: what fits A4 landscape at the copy's font size.
COLUMNS = 25

@dataclass
class Enrolled:
    """A pupil of the class in the period, with the days they were in it."""

    pupil_id: int
    name: str
    spans: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    left_on: dt.date | None = None  # left the class within the period
    label: str = ""  # the name as the grid prints it ("…, left on 12.11.2026")


@dataclass
class GridTable:
    """One table of a page's grid: some lesson dates, a row of cells per pupil, and the
    period marks when it is the page's last table."""

    dates: list[str]
    rows: list[tuple[int, str, list[str], str | None]]  # №, name, cells, period mark


@dataclass
class PageCopy:
    subject: str
    group: str
    teacher: str
    tables: list[GridTable]
    lessons: list[tuple[int, str, str, str]]  # №, date, topic, homework


@dataclass
class HardCopy:
    school_class: SchoolClass
    period: StudyPeriod
    school_name: str
    period_name: str
    class_teacher: str
    deputy: str
    director: str
    printed: dt.date
    pupils: list[Enrolled]
    pages: list[PageCopy]
    reason: str = ""  # why there is no subject page to print
    without_lessons: list[str] = field(default_factory=list)  # subjects with no lesson
    summaries: list[Sheet] = field(default_factory=list)
    summary_notes: list[str] = field(default_factory=list)
    changes: list[change_log.Row] = field(default_factory=list)


def hard_copy_html(school_class: SchoolClass, period: StudyPeriod,
                   locale: str | None = None) -> str:
    """The copy as the HTML xhtml2pdf lays out (hard_copy_pdf), in the locale given, else
    the request's, else the class's language. Needs an application context only."""
    with _context(locale, school_class):
        copy = load(school_class, period)
        return render_template("pdf/hardcopy.html", font_css=pdf.font_face_css(), x=copy,
                               shown=shown, log_headers=change_log.headers())


def hard_copy_pdf(school_class: SchoolClass, period: StudyPeriod,
                  locale: str | None = None) -> bytes:
    """The hard copy as one A4 landscape PDF (xhtml2pdf, as every PDF of Tabel), in the
    locale given, else the request's, else the class's language; needs an application
    context only. A quarter of a class of the benchmark school takes a few seconds (about
    9,000 grid cells): many classes go to the background queue (services.reports.jobs)."""
    return pdf.render(hard_copy_html(school_class, period, locale))


def _context(locale: str | None, school_class: SchoolClass) -> ExitStack:
    """A request context when there is none (url_for and Babel want one) and the locale:
    the one asked, else the request's, else the class's language (the journal's own)."""
    stack = ExitStack()
    if locale is None and has_request_context():
        locale = str(get_locale())
    if not has_request_context():
        stack.enter_context(current_app.test_request_context("/"))
    stack.enter_context(force_locale(locale or school_class.language))
    return stack


def load(school_class: SchoolClass, period: StudyPeriod) -> HardCopy:
    """Everything the copy prints, in the current locale."""
    school = school_service.the_school()
    teacher = school_class.class_teacher
    copy = HardCopy(school_class=school_class, period=period,
                    school_name=school.name if school else "",
                    period_name=change_log.period_title(period),
                    class_teacher=teacher.name if teacher is not None else "",
                    deputy=change_log.deputy_name(school_class), director=director_name(),
                    printed=clock.today(), pupils=_pupils(school_class, period), pages=[])
    _load_pages(copy)
    if not copy.pupils:
        copy.reason = _("The class has no pupils in this period.")
    elif not copy.pages:
        copy.reason = _("The class has no lessons in this period.")
    _load_summaries(copy)
    copy.changes = change_log.change_log(school_class, period)
    return copy


def _pupils(school_class: SchoolClass, period: StudyPeriod) -> list[Enrolled]:
    """The class's pupils at any time in the period, A-Z, with their days in it. One query."""
    found: dict[int, Enrolled] = {}
    for pupil_id, start, end, last, first, middle in db.session.execute(
            select(Enrolment.pupil_id, Enrolment.start_date, Enrolment.end_date,
                   Person.last_name, Person.first_name, Person.patronymic)
            .join(Pupil, Pupil.id == Enrolment.pupil_id)
            .join(Person, Person.id == Pupil.person_id)
            .where(Enrolment.class_id == school_class.id,
                   Enrolment.start_date <= period.end_date,
                   or_(Enrolment.end_date.is_(None), Enrolment.end_date >= period.start_date))
            .order_by(Person.last_name, Person.first_name, Person.patronymic,
                      Enrolment.pupil_id, Enrolment.start_date)):
        who = found.setdefault(pupil_id, Enrolled(pupil_id, " ".join(
            p for p in (last, first, middle) if p)))
        who.spans.append((start, end))
    for who in found.values():
        ends = [end for _start, end in who.spans]
        last_end = None if None in ends else max(ends)
        if last_end is not None and last_end < period.end_date:
            who.left_on = last_end
        who.label = who.name if who.left_on is None else _(
            "%(name)s (left on %(date)s)", name=who.name, date=who.left_on.strftime("%d.%m.%Y"))
    return list(found.values())


def _load_pages(copy: HardCopy) -> None:
    """The class's subject pages with their grids and lesson lists (five queries)."""
    locale = str(get_locale())
    pages = list(db.session.scalars(
        select(SubjectPage).where(SubjectPage.class_id == copy.school_class.id)
        .options(joinedload(SubjectPage.teacher), joinedload(SubjectPage.subgroup))))
    if not pages:
        return
    pages.sort(key=lambda p: (p.subject.name(locale).casefold(),
                              p.subgroup.name if p.subgroup else "", p.id))
    ids = [p.id for p in pages]
    lessons = _lessons(ids, copy.period)
    cells = _cells(ids, copy.period, locale)
    finals = _finals(ids, copy.period)
    members = _members([p.subgroup_id for p in pages if p.subgroup_id], copy.period)
    for page in pages:
        name = page.subject.name(locale)
        if not lessons.get(page.id):
            copy.without_lessons.append(name)
            continue
        pupils = [p for p in copy.pupils if page.subgroup_id is None
                  or p.pupil_id in members.get(page.subgroup_id, ())]
        copy.pages.append(PageCopy(
            subject=name, group=page.subgroup.name if page.subgroup else "",
            teacher=page.teacher.name, lessons=[
                (n, day.strftime("%d.%m.%Y"), topic, homework)
                for n, (_id, day, topic, homework) in enumerate(lessons[page.id], start=1)],
            tables=_grid(page.id, lessons[page.id], pupils, cells, finals)))


def _grid(page_id: int, lessons: list[tuple], pupils: list[Enrolled],
          cells: dict[tuple[int, int], str], finals: dict[tuple[int, int], str]
          ) -> list[GridTable]:
    """The page's grid cut into tables of at most COLUMNS lessons; the last one ends with
    the period marks."""
    tables = []
    for first in range(0, len(lessons), COLUMNS):
        chunk = lessons[first:first + COLUMNS]
        last = first + COLUMNS >= len(lessons)
        tables.append(GridTable(
            dates=[day.strftime("%d.%m") for _id, day, _t, _h in chunk],
            rows=[(n, p.label, [cells.get((lesson[0], p.pupil_id), "") for lesson in chunk],
                   finals.get((page_id, p.pupil_id), "") if last else None)
                  for n, p in enumerate(pupils, start=1)]))
    return tables


def _lessons(page_ids: list[int], period: StudyPeriod) -> dict[int, list[tuple]]:
    """Per page its lessons of the period (cancelled ones are not in the journal): id, date,
    topic (naming the substitute teacher, 001 5.5), homework, by date and hour. One query."""
    out: dict[int, list[tuple]] = defaultdict(list)
    substitute = aliased(Staff)
    who = aliased(Person)
    for lesson_id, page_id, day, topic, homework, last, first, middle in db.session.execute(
            select(Lesson.id, Lesson.page_id, Lesson.date, Lesson.topic, Lesson.homework,
                   who.last_name, who.first_name, who.patronymic)
            .outerjoin(substitute, substitute.id == Lesson.substitute_id)
            .outerjoin(who, who.id == substitute.person_id)
            .where(*_in_period(page_ids, period))
            .order_by(Lesson.date, Lesson.lesson_number, Lesson.id)):
        if last is not None:
            name = Person.short_of(last, first, middle)
            topic = f"{topic} ({_('substitute: %(name)s', name=name)})".lstrip()
        out[page_id].append((lesson_id, day, topic, homework))
    return out


def _in_period(page_ids: list[int], period: StudyPeriod) -> tuple:
    return (Lesson.page_id.in_(page_ids), Lesson.date >= period.start_date,
            Lesson.date <= period.end_date, Lesson.cancelled.is_(False))


def _cells(page_ids: list[int], period: StudyPeriod, locale: str) -> dict[tuple[int, int], str]:
    """What each (lesson, pupil) cell shows: "5", "5/4", "н", "о5" (ж and к in Kazakh).
    Two queries, plain tuples."""
    absent, late = ("ж", "к") if locale == "kk" else ("н", "о")
    text: dict[tuple[int, int], str] = {}
    for lesson_id, pupil_id, value in db.session.execute(
            select(Mark.lesson_id, Mark.pupil_id, Mark.value)
            .join(Lesson, Lesson.id == Mark.lesson_id).where(*_in_period(page_ids, period))
            .order_by(Mark.lesson_id, Mark.pupil_id, Mark.position)):
        old = text.get((lesson_id, pupil_id))
        text[(lesson_id, pupil_id)] = str(value) if old is None else f"{old}/{value}"
    for lesson_id, pupil_id, status in db.session.execute(
            select(Attendance.lesson_id, Attendance.pupil_id, Attendance.status)
            .join(Lesson, Lesson.id == Attendance.lesson_id)
            .where(*_in_period(page_ids, period))):
        letter = absent if status == "absent" else late
        text[(lesson_id, pupil_id)] = letter + text.get((lesson_id, pupil_id), "")
    return text


def _finals(page_ids: list[int], period: StudyPeriod) -> dict[tuple[int, int], str]:
    """The period marks per (page, pupil) as the journal writes them. One query."""
    return {(page_id, pupil_id): rules.final_label(value, special)
            for page_id, pupil_id, value, special in db.session.execute(
                select(FinalMark.page_id, FinalMark.pupil_id, FinalMark.value,
                       FinalMark.special)
                .where(FinalMark.page_id.in_(page_ids), FinalMark.kind == "period",
                       FinalMark.period_id == period.id))}


def _members(subgroup_ids: list[int], period: StudyPeriod) -> dict[int, set[int]]:
    """Per subgroup the pupils in it on some day of the period. One query (none without
    subgroups)."""
    out: dict[int, set[int]] = defaultdict(set)
    if not subgroup_ids:
        return out
    for subgroup_id, pupil_id in db.session.execute(
            select(SubgroupMember.subgroup_id, SubgroupMember.pupil_id)
            .where(SubgroupMember.subgroup_id.in_(subgroup_ids),
                   or_(SubgroupMember.start_date.is_(None),
                       SubgroupMember.start_date <= period.end_date),
                   or_(SubgroupMember.end_date.is_(None),
                       SubgroupMember.end_date >= period.start_date))):
        out[subgroup_id].add(pupil_id)
    return out


# -- the summary sheets ---------------------------------------------------------------------

def _load_summaries(copy: HardCopy) -> None:
    """The sheets of the summary reports (progress, attendance) for this class and period,
    read as the director would: the copy goes to the register, whoever prints it. A report
    not registered (yet) is left out; one that fails is logged and left out."""
    registry.load_all()
    reader = _archivist()
    f = report_filters.Filters(year=copy.school_class.year, period=copy.period,
                school_class=copy.school_class)
    for key in SUMMARIES:
        report = registry.REPORTS.get(key)
        if report is None:
            continue
        try:
            copy.summaries.extend(report.build(reader, f))
        except Exception:  # a summary's fault must not stop the copy going to the register
            current_app.logger.exception("hard copy: the %s summary failed", key)
            copy.summary_notes.append(str(report.title()))


def _archivist() -> User:
    """A user who is not signed in anywhere and reads every class as the director: the
    builders ask services.policy per class, and the copy has no requesting user."""
    return User(id=0, username="", active=True, roles=[UserRole(role="director")])


# -- the report: the classes, each with a link to its hard copy ---------------------------

def _classes_sheet(user: User, f: report_filters.Filters) -> list[Sheet]:
    """One sheet: the classes the user may print, with the class teacher, the pupils now
    and a link to the hard copy of the class's own period (two queries)."""
    classes = [c for c in report_filters.classes(user, f)
               if policy.can_print_hard_copy(user, c)]
    counts = school_service.pupil_counts([c.id for c in classes])
    rows = []
    for c in classes:
        own = report_filters.period_of_class(c, f.period)
        args = {"period": own.id} if own is not None else {}
        rows.append([c.name, c.class_teacher.name if c.class_teacher else "",
                     counts.get(c.id, 0),
                     Link(_("PDF"), url_for("reports.hardcopy_pdf", class_id=c.id, **args))])
    return [Sheet(_("Hard copies of the class journals"),
                  [Column("class", _("Class"), width=8),
                   Column("teacher", _("Class teacher"), width=30),
                   Column("pupils", _("Pupils"), "int", width=8),
                   Column("pdf", _("Hard copy"), width=12)], rows,
                  subtitle=change_log.period_title(f.period) if f.period else "",
                  empty=_("No class you may print matches these filters."))]


register(Report("hardcopy", title=lambda: _l("Hard copy of the class journal"),
                may=policy.may_print_hard_copies, build=_classes_sheet,
                filters=("year", "period", "level", "grade", "class"),
                about=lambda: _l("Per class one PDF for the register: the title page, per "
                                 "subject the grid of marks and absences and the lessons, "
                                 "the summary sheets, the change log and the signature "
                                 "lines (001 section 6)."), order=70))
