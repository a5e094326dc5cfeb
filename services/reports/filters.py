"""The filters every report page shares, kept in the URL: year, period, level, parallel,
class, subject, teacher, sort. Unknown or foreign ids are dropped (never a 500, never
another school year's data by accident); what a user may see is narrowed again per class by
services.policy in classes()."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from extensions import db
from models import AcademicYear, SchoolClass, Staff, StudyPeriod, Subject, User
from services import clock, policy
from services import school as school_service

LEVELS = ("primary", "basic", "secondary")
NAMES = ("year", "period", "level", "grade", "class", "subject", "teacher", "sort", "month")


@dataclass
class Filters:
    year: AcademicYear | None = None
    period: StudyPeriod | None = None  # None: the whole year
    level: str | None = None
    grade: int | None = None
    school_class: SchoolClass | None = None
    subject: Subject | None = None
    teacher: Staff | None = None
    sort: str | None = None
    month: str | None = None  # "2026-11": reports counted per month (activity)

    def args(self, **change: Any) -> dict[str, Any]:
        """The filters as URL arguments (for links, the PDF and the XLSX), with changes."""
        values = {"year": self.year.id if self.year else None,
                  "period": self.period.id if self.period else None, "level": self.level,
                  "grade": self.grade,
                  "class": self.school_class.id if self.school_class else None,
                  "subject": self.subject.id if self.subject else None,
                  "teacher": self.teacher.id if self.teacher else None, "sort": self.sort,
                  "month": self.month}
        values.update(change)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _id(args, name: str) -> int | None:
    from blueprints.parse import to_id  # the one parser of ids from requests
    return to_id(args.get(name))


def _whole(args, name: str, low: int, high: int) -> int | None:
    from blueprints.parse import to_int  # ASCII digits: int() would take "٣", isdigit() "²"
    return to_int(args.get(name, ""), low, high)


def read(args) -> Filters:
    """The filters of a request's query string; the current year and today's period when
    none is asked (period=all asks for the whole year)."""
    years = {y.id: y for y in db.session.scalars(select(AcademicYear))}
    year = years.get(_id(args, "year")) or school_service.current_year()
    f = Filters(year=year, sort=(args.get("sort") or None))
    month = args.get("month") or ""
    f.month = month if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) else None
    if year is None:
        return f
    periods = year_periods(year)
    asked = _id(args, "period")
    if args.get("period") != "all":
        f.period = next((p for p in periods if p.id == asked), None) or \
            _period_on(periods, clock.today())
    f.level = args.get("level") if args.get("level") in LEVELS else None
    f.grade = _whole(args, "grade", 0, 12)
    cls = db.session.get(SchoolClass, _id(args, "class") or 0)
    f.school_class = cls if cls is not None and cls.year_id == year.id else None
    f.subject = db.session.get(Subject, _id(args, "subject") or 0)
    f.teacher = db.session.get(Staff, _id(args, "teacher") or 0)
    return f


def year_periods(year: AcademicYear) -> list[StudyPeriod]:
    """The year's periods of every scheme, by start date."""
    return list(db.session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == year.id)
                                   .order_by(StudyPeriod.start_date, StudyPeriod.scheme)))


def _period_on(periods: list[StudyPeriod], day: dt.date) -> StudyPeriod | None:
    quarters = [p for p in periods if p.scheme == "quarter"] or periods
    started = [p for p in quarters if p.start_date <= day]
    return started[-1] if started else (quarters[0] if quarters else None)


def period_of_class(school_class: SchoolClass, period: StudyPeriod | None
                    ) -> StudyPeriod | None:
    """The class's own period for the one asked: the same one, or the period of the class's
    scheme (half-years, trimesters) that holds the asked period's last day."""
    if period is None or period.scheme == school_class.period_scheme:
        return period
    own = school_service.periods_of(school_class)
    return next((p for p in own if p.start_date <= period.end_date <= p.end_date),
                own[-1] if own else None)


def classes(user: User, f: Filters) -> list[SchoolClass]:
    """The classes of the year the filters name that the user may read, by grade."""
    if f.year is None:
        return []
    found = school_service.classes_of_year(f.year)
    return [c for c in found
            if (f.school_class is None or c.id == f.school_class.id)
            and (f.grade is None or c.grade == f.grade)
            and (f.level is None or c.level == f.level)
            and policy.can_read_class(user, c)]
