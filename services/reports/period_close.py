"""The period close, step by step (001 6.2-6.5, DOMAIN.md 4): who does what on which day
around the holidays that follow a period, and what is still open (period marks missing).

Dates come from the period's end and the school calendar (services.calendar): the holidays
start with the first vacation for every grade within ten days of the period's last school
day (the day after the period's end when there is none, as after the last quarter).
001 asks subject teachers to check "two days before the holidays" and class teachers "on the
last working day but one": class teachers check the subject teachers' marks, so subject
teachers' day is the third school day before the holidays, class teachers' the second.
The deputy takes the backups and prints on the 2nd day of the holidays (subject teachers
sign their pages then); class teachers certify the title page on the 4th, and the deputy and
the director sign and file the copies in the register from then on.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models import SchoolClass, StudyPeriod, SubjectPage, User
from services import calendar, clock, policy
from services import school as school_service
from services.reports import control_data
from services.reports import filters as report_filters
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet

SHOW_DAYS_BEFORE = 14  # home pages show the close from this many days before its first step
HOLIDAYS_WITHIN = 10  # a vacation this close after the period's last school day is its holidays

STEPS = (  # key, who, what
    ("subject", _l("Subject teachers"), _l("Check the period marks of every class you teach")),
    ("class", _l("Class teachers"), _l("Check the period marks of your class")),
    ("print", _l("Deputy director"), _l("Take backups on two media and print the hard copies; "
                                        "subject teachers sign their pages")),
    ("certify", _l("Class teachers"), _l("Certify the title page of the class's hard copy")),
    ("register", _l("Deputy director and director"),
     _l("Sign the hard copies and file them in the register")),
)


@dataclass
class Step:
    key: str
    who: str
    what: str
    day: dt.date
    open: int | None = None  # period marks still missing (None: nothing counted)
    pages: list[tuple[SubjectPage, int, StudyPeriod]] = field(default_factory=list)


@dataclass
class Close:
    end: dt.date  # the periods' last day
    holidays: dt.date  # the first day of the holidays
    periods: list[StudyPeriod]
    days: dict[str, dt.date]

    @property
    def last_day(self) -> dt.date:
        return self.days["register"]


def dates(end: dt.date, cal: calendar.SchoolCalendar, days_per_week: int = 5
          ) -> tuple[dt.date, dict[str, dt.date]]:
    """The holidays' first day and each step's day for periods ending on `end`."""
    last = end
    while last > cal.start and not cal.is_school_day(last, None, days_per_week):
        last -= dt.timedelta(days=1)
    vacation = next((c.start for c in cal.closures if not c.grades
                     and last < c.start <= last + dt.timedelta(days=HOLIDAYS_WITHIN)), None)
    holidays = vacation or end + dt.timedelta(days=1)
    before, day = [], holidays
    while len(before) < 3 and day > cal.start:
        day -= dt.timedelta(days=1)
        if cal.is_school_day(day, None, days_per_week):
            before.append(day)
    before += [before[-1] if before else holidays] * (3 - len(before))
    return holidays, {"subject": before[2], "class": before[1],
                      "print": holidays + dt.timedelta(days=1),
                      "certify": holidays + dt.timedelta(days=3),
                      "register": holidays + dt.timedelta(days=3)}


def current(today: dt.date | None = None) -> Close | None:
    """The close under way or next: the earliest period end whose last step is today or
    later, in the current year (two queries)."""
    today = today or clock.today()
    year = school_service.current_year()
    if year is None:
        return None
    periods = report_filters.year_periods(year)
    cal = calendar.calendar_for(year)
    six = db.session.scalar(select(SchoolClass.id).where(
        SchoolClass.year_id == year.id, SchoolClass.days_per_week == 6).limit(1))
    for end in sorted({p.end_date for p in periods}):
        holidays, days = dates(end, cal, 6 if six else 5)
        if days["register"] >= today:
            return Close(end, holidays, [p for p in periods if p.end_date == end], days)
    return None


def _open_pages(close: Close, pages: list[SubjectPage]
                ) -> list[tuple[SubjectPage, int, StudyPeriod]]:
    """The pages (of classes whose period ends then) with period marks missing, how many,
    and the period (one query)."""
    by_scheme = {p.scheme: p for p in close.periods}
    school = school_service.the_school()
    unmarked = school.no_marks_grade_set() if school else set()  # attendance only: no marks
    pages = [p for p in pages if p.school_class.period_scheme in by_scheme
             and p.school_class.grade not in unmarked]
    due = {p.class_id: [by_scheme[p.school_class.period_scheme]] for p in pages}
    missing = control_data.missing_per_page([p.id for p in pages], due, clock.today())
    return [(p, missing[p.id], due[p.class_id][0]) for p in pages if missing.get(p.id)]


def steps(close: Close, pages: list[SubjectPage], keys: tuple[str, ...]) -> list[Step]:
    """The steps named, with the pages still open for the checking ones."""
    open_pages = _open_pages(close, pages) if {"subject", "class"} & set(keys) else []
    out = []
    for key, who, what in STEPS:
        if key in keys:
            checking = key in ("subject", "class")
            out.append(Step(key, str(who), str(what), close.days[key],
                            sum(n for _p, n, _q in open_pages) if checking else None,
                            open_pages if checking else []))
    return out


def _pages_of_classes(class_ids: list[int]) -> list[SubjectPage]:
    return list(db.session.scalars(select(SubjectPage).where(
        SubjectPage.class_id.in_(class_ids)).order_by(SubjectPage.class_id, SubjectPage.id)))


def home(user: User) -> dict | None:
    """The close as a home page shows it: leadership sees every step over the classes it
    oversees; a teacher their own check (their pages) and signature, a class teacher also
    the class's check and the title page. None outside the close's weeks or for others."""
    close = current()
    if close is None or clock.today() < close.days["subject"] - dt.timedelta(
            days=SHOW_DAYS_BEFORE):
        return None
    year = school_service.current_year()
    if user.has_role(*policy.LEADERSHIP):
        classes = [c for c in school_service.classes_of_year(year)
                   if policy.oversees_class(user, c)]
        found = steps(close, _pages_of_classes([c.id for c in classes]),
                      tuple(k for k, _w, _t in STEPS))
        return {"close": close, "steps": found, "report": True}
    staff = policy.staff_of(user)
    if staff is None or not user.has_role("teacher"):
        return None
    found = steps(close, school_service.pages_of_teacher(staff), ("subject", "print"))
    led = sorted(policy.led_class_ids(user))
    if led:
        found += steps(close, _pages_of_classes(led), ("class", "certify"))
        found.sort(key=lambda s: s.day)
    return {"close": close, "steps": found, "report": False}


def state(day: dt.date, today: dt.date) -> str:
    if day < today:
        return _("past")
    return _("today") if day == today else _("ahead")


def build(user: User, f: report_filters.Filters) -> list[Sheet]:
    """The steps with their dates and open counts, and the classes' missing period marks."""
    close = current()
    sheet = Sheet(_("Period close"), [
        Column("day", _("Date"), "date", 10), Column("who", _("Who"), "text", 18),
        Column("what", _("Step"), "text", 40), Column("open", _("Period marks missing"),
                                                      "int", 10),
        Column("state", _("When"), "text", 8)], landscape=True)
    if close is None:
        sheet.empty = _("No period of the current year is left to close.")
        return [sheet]
    today = clock.today()
    sheet.subtitle = _("Periods ending %(end)s; holidays from %(day)s",
                       end=close.end.strftime("%d.%m.%Y"),
                       day=close.holidays.strftime("%d.%m.%Y"))
    classes = [c for c in report_filters.classes(user, report_filters.Filters(
        year=school_service.current_year(), level=f.level, grade=f.grade,
        school_class=f.school_class)) if policy.oversees_class(user, c)]
    found = steps(close, _pages_of_classes([c.id for c in classes]),
                  tuple(k for k, _w, _t in STEPS))
    sheet.rows = [[s.day, s.who, s.what, s.open, state(s.day, today)] for s in found]
    return [sheet, _classes_sheet(close, classes, found[0].pages if found else [])]


def _classes_sheet(close: Close, classes: list[SchoolClass],
                   open_pages: list[tuple[SubjectPage, int, StudyPeriod]]) -> Sheet:
    """Per class: its pages still missing period marks, linked to the control dashboard."""
    sheet = Sheet(_("Period marks still missing by class"), [
        Column("class", _("Class"), "text", 8), Column("teacher", _("Class teacher"), "text", 20),
        Column("pages", _("Pages with marks missing"), "int", 10),
        Column("missing", _("Period marks missing"), "int", 10)], landscape=True,
        empty=_("Every period mark of these classes is in."))
    per_class: dict[int, list[int]] = {}
    for page, n, _period in open_pages:
        per_class.setdefault(page.class_id, []).append(n)
    for c in classes:
        counts = per_class.get(c.id)
        if counts:
            period = next((p for p in close.periods if p.scheme == c.period_scheme), None)
            url = url_for("reports.show", key="control", **{
                "class": c.id, "period": period.id if period else "all", "sort": "-missing"})
            sheet.rows.append([Link(c.name, url), c.class_teacher.name if c.class_teacher
                               else "", len(counts), Link(sum(counts), url)])
    return sheet


register(Report(
    "period_close", title=lambda: _("Period close, step by step"),
    may=policy.can_read_control, build=build, filters=("level", "grade", "class"),
    about=lambda: _("Who checks, prints and signs what on which day around the holidays, "
                    "and the period marks still missing."),
    order=45))
