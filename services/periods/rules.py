"""Rules for the academic year, its study periods and its holidays (DOMAIN.md 4).

Each check takes the row with the form's values in and returns a translated message when a
rule refuses it, else None: the back-office grid (blueprints/admin/year_tables.py) shows it
next to the form and changes nothing. Nothing here commits.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, inspect, select, update

from extensions import db
from models import AcademicYear, Holiday, StudyPeriod
from models.school import parse_grades
from services import calendar

# Quarters for grades 1-9, half-years for 10-11 (001 6.1); trimesters are chosen by hand.
HALF_YEAR_FROM_GRADE = 10
PERIODS_IN_YEAR = {"quarter": 4, "half": 2, "trimester": 3}


def default_scheme(grade: int | None) -> str:
    """The period scheme a new class of this grade follows unless one is chosen."""
    return "half" if grade is not None and grade >= HALF_YEAR_FROM_GRADE else "quarter"


def _day(day: dt.date) -> str:
    return format_date(day, "d MMMM yyyy")


def _inside_year(year: AcademicYear | None, start: dt.date, end: dt.date) -> str | None:
    if year is None:
        return _("Choose the academic year.")
    if start < year.start_date or end > year.end_date:
        return _("The dates must lie inside the academic year %(year)s (%(start)s – %(end)s).",
                 year=year.name, start=_day(year.start_date), end=_day(year.end_date))
    return None


def _dates_in_order(start: dt.date | None, end: dt.date | None) -> str | None:
    if start is not None and end is not None and end < start:
        return _("The end date must not be before the start date.")
    return None


def set_current(year: AcademicYear, value: bool) -> None:
    """Mark a year current (or not). Only one year is current: marking one clears the
    others, so the school never has two "this year"s."""
    year.is_current = bool(value)
    if value:
        db.session.execute(update(AcademicYear).where(
            AcademicYear.id != (year.id or -1), AcademicYear.is_current)
            .values(is_current=False))


def check_year(year: AcademicYear) -> str | None:
    """A year ends after it starts and still holds every period and holiday it has."""
    if year.start_date is None or year.end_date is None:
        return None
    if year.end_date <= year.start_date:
        return _("The year must end after it starts.")
    state = inspect(year)
    if year.closed and (state.attrs.start_date.history.has_changes()
                        or state.attrs.end_date.history.has_changes()):
        return _("This year is closed: its journal is read-only.")
    if year.id is None:
        return None
    outside = db.session.execute(select(func.min(StudyPeriod.start_date),
                                        func.max(StudyPeriod.end_date))
                                 .where(StudyPeriod.year_id == year.id)).one()
    closures = db.session.execute(select(func.min(Holiday.start_date),
                                         func.max(Holiday.end_date))
                                  .where(Holiday.year_id == year.id)).one()
    first = min((d for d in (outside[0], closures[0]) if d is not None), default=None)
    last = max((d for d in (outside[1], closures[1]) if d is not None), default=None)
    if (first is not None and first < year.start_date) or (last is not None
                                                            and last > year.end_date):
        return _("The year's periods and holidays run from %(start)s to %(end)s: the year "
                 "must cover them. Change them first.", start=_day(first), end=_day(last))
    return None


def check_period(period: StudyPeriod) -> str | None:
    """A period lies inside its year and overlaps no other period of the same scheme."""
    if period.start_date is None or period.end_date is None:
        return None
    if period.end_date <= period.start_date:
        return _("The period must end after it starts.")
    most = PERIODS_IN_YEAR.get(period.scheme, 4)
    if period.number is not None and period.number > most:
        return _("A year has %(n)d periods of this kind: number them from 1 to %(n)d.", n=most)
    year = db.session.get(AcademicYear, period.year_id) if period.year_id else None
    if year is not None and year.closed:  # an archive: its marks were set by these dates
        return _("This year is closed: its journal is read-only.")
    refused = _inside_year(year, period.start_date, period.end_date)
    if refused:
        return refused
    clash = db.session.scalar(select(StudyPeriod).where(
        StudyPeriod.year_id == period.year_id, StudyPeriod.scheme == period.scheme,
        StudyPeriod.id != (period.id or -1),
        StudyPeriod.start_date <= period.end_date, StudyPeriod.end_date >= period.start_date)
        .order_by(StudyPeriod.start_date).limit(1))
    if clash is not None:
        return _("This period overlaps period %(n)d of the same kind (%(start)s – %(end)s).",
                 n=clash.number, start=_day(clash.start_date), end=_day(clash.end_date))
    return None


def closed_year_refusal(row) -> str | None:
    """A closed year's year, periods and holidays are not deleted: its marks were set by
    them (the reason, translated), else None."""
    year = row if isinstance(row, AcademicYear) else db.session.get(AcademicYear, row.year_id)
    if year is not None and year.closed:
        return _("This year is closed: its journal is read-only.")
    return None


def check_holiday(holiday: Holiday) -> str | None:
    """A vacation or holiday lies inside its year. The request's calendars are dropped:
    school days are counted again from the new holidays."""
    calendar.forget()
    refused = _dates_in_order(holiday.start_date, holiday.end_date)
    if refused or holiday.start_date is None or holiday.end_date is None:
        return refused
    year = db.session.get(AcademicYear, holiday.year_id) if holiday.year_id else None
    if year is not None and year.closed:
        return _("This year is closed: its journal is read-only.")
    return _inside_year(year, holiday.start_date, holiday.end_date)


def years() -> list[tuple[int, str]]:
    """(id, name) of every academic year, the latest first: the choices of a year column."""
    return [(y.id, y.name) for y in db.session.scalars(
        select(AcademicYear).order_by(AcademicYear.start_date.desc()))]


def current_or_latest_year_id() -> int | None:
    """The year a new period or holiday belongs to unless another is chosen."""
    return db.session.scalar(select(AcademicYear.id).order_by(
        AcademicYear.is_current.desc(), AcademicYear.start_date.desc()).limit(1))



def clean_grades(text: str) -> str:
    """"1, 2" -> "1,2"; anything but grades 0-12 separated by commas raises ValueError with
    the message shown next to the field."""
    try:
        grades = parse_grades(text)
    except ValueError as error:
        raise ValueError(_("“%(part)s” is not a grade: write grades from 0 to 12 separated "
                           "by commas, for example 1 or 1,2.", part=str(error))) from None
    return ",".join(str(g) for g in sorted(grades))
