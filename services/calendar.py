"""School days: the days a class has lessons (DOMAIN.md 4, issue 16).

A day is a school day for a grade when it is inside the academic year, not Sunday, not
Saturday in a five-day week, and not inside a vacation or holiday that applies to the grade.
Edit windows, the timetable's lesson generation and every "N school days" rule count these.

SchoolCalendar is read once (one query for the holidays of a year) and then answers in
memory; calendar_for() keeps one per year in flask.g for the length of a request.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import select

from extensions import db
from models import AcademicYear, Holiday
from models.school import parse_grades

SUNDAY, SATURDAY = 7, 6


@dataclass(frozen=True)
class Closure:
    """A vacation or holiday: the days [start, end] for these grades (empty: all)."""

    start: dt.date
    end: dt.date
    grades: frozenset[int] = frozenset()
    name: str = ""

    def covers(self, day: dt.date, grade: int | None) -> bool:
        if not self.start <= day <= self.end:
            return False
        return not self.grades or grade is None or grade in self.grades


@dataclass
class SchoolCalendar:
    """The school days of one academic year (start..end) with its closures."""

    start: dt.date
    end: dt.date
    closures: list[Closure] = field(default_factory=list)

    def is_school_day(self, day: dt.date, grade: int | None = None,
                      days_per_week: int = 5) -> bool:
        """grade None: a day off for every grade only (a vacation of the first grade alone
        does not stop the school)."""
        weekday = day.isoweekday()
        if weekday == SUNDAY or (weekday == SATURDAY and days_per_week < 6):
            return False
        if not self.start <= day <= self.end:
            return False
        return not any(c.covers(day, grade) for c in self.closures
                       if grade is not None or not c.grades)

    def school_days(self, start: dt.date, end: dt.date, grade: int | None = None,
                    days_per_week: int = 5) -> list[dt.date]:
        """The school days in [start, end], in order."""
        out, day = [], start
        while day <= end:
            if self.is_school_day(day, grade, days_per_week):
                out.append(day)
            day += dt.timedelta(days=1)
        return out

    def add_school_days(self, day: dt.date, n: int, grade: int | None = None,
                        days_per_week: int = 6) -> dt.date:
        """The date n school days after day (n = 0: the day itself).

        Days off in between do not count, so a window of 2 days from a Friday before the
        autumn vacation ends on the second school day after it. The default six-day week
        counts Saturdays as working days, as the regulations' windows do unless the class is
        on a five-day week. Past the year's end, days count as if every weekday were a school
        day (so a window near the end still closes).
        """
        current = day
        left = n
        while left > 0:
            current += dt.timedelta(days=1)
            if current > self.end or self.is_school_day(current, grade, days_per_week):
                left -= 1
        return current

    def window_start(self, today: dt.date, n: int, grade: int | None = None,
                     days_per_week: int = 6) -> dt.date:
        """The earliest day whose n-school-day window still holds today: entries of a lesson
        on that day or later may change today (add_school_days(day, n) >= today).

        Never earlier than the year's first day: before it nothing is a school day, so the
        walk back would not end (and no lesson is dated there).
        """
        day, one = today, dt.timedelta(days=1)
        while day > self.start and self.add_school_days(day - one, n, grade,
                                                        days_per_week) >= today:
            day -= one
        return day

    def closure_on(self, day: dt.date, grade: int | None = None) -> Closure | None:
        """The vacation or holiday that day falls in, if any."""
        return next((c for c in self.closures if c.covers(day, grade)), None)


def load_calendar(year: AcademicYear) -> SchoolCalendar:
    """Read a year's closures (one query)."""
    rows = db.session.scalars(select(Holiday).where(Holiday.year_id == year.id)
                              .order_by(Holiday.start_date)).all()
    return SchoolCalendar(year.start_date, year.end_date, [
        Closure(h.start_date, h.end_date, frozenset(parse_grades(h.grades, strict=False)),
                h.name) for h in rows])


def calendar_for(year: AcademicYear) -> SchoolCalendar:
    """The year's calendar, read once per request."""
    if not has_request_context():
        return load_calendar(year)
    cache = g.setdefault("school_calendars", {})
    if year.id not in cache:
        cache[year.id] = load_calendar(year)
    return cache[year.id]


def calendar_for_id(year_id: int) -> SchoolCalendar:
    """The calendar of a year known by its id, read once per request in one query (the
    year's dates with its closures), without loading the year itself: a mark's save needs
    it only when its edit window is in doubt. An unknown year counts every day."""
    cache = g.setdefault("school_calendars", {}) if has_request_context() else {}
    if year_id not in cache:
        rows = db.session.execute(
            select(AcademicYear.start_date, AcademicYear.end_date, Holiday.start_date,
                   Holiday.end_date, Holiday.grades, Holiday.name)
            .outerjoin(Holiday, Holiday.year_id == AcademicYear.id)
            .where(AcademicYear.id == year_id).order_by(Holiday.start_date)).all()
        if not rows:
            return SchoolCalendar(dt.date.min, dt.date.min)
        cache[year_id] = SchoolCalendar(rows[0][0], rows[0][1], [
            Closure(start, end, frozenset(parse_grades(grades, strict=False)), name)
            for _s, _e, start, end, grades, name in rows if start is not None])
    return cache[year_id]


def forget() -> None:
    """Drop the request's calendars after holidays change."""
    if has_request_context():
        g.pop("school_calendars", None)
