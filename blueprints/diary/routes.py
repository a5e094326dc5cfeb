"""The parent's and pupil's diary: week, marks, attendance, homework; the service worker.

Every diary URL carries the child; policy.can_read_diary decides, and any other child
answers 404. Each page load by the family (htmx week moves included) is one DiaryVisit.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import format_decimal, get_locale
from flask_login import current_user

from blueprints.common import load_or_404, render
from blueprints.parse import to_id
from extensions import db
from models import Pupil, SchoolClass, StudyPeriod
from services import audit, clock, diary, policy, transactions
from services.summative import formula
from services.timetable import sheets

bp = Blueprint("diary", __name__)
SECTIONS = ("week", "marks", "attendance", "homework")


def _locale() -> str:
    return str(get_locale())


def _open(pupil_id: int) -> Pupil:
    """Load the child the user may read (else 404) and note a family member's visit."""
    pupil = load_or_404(Pupil, pupil_id, may=policy.can_read_diary)
    family = pupil in policy.children_of(current_user)
    if family and not diary.visit_due(current_user, pupil):
        return pupil
    if family or policy.is_staff(current_user):
        # Written and committed now, in a short transaction: a page must never hold the
        # database's write lock while it renders (every save would wait behind it).
        with transactions.apart():
            if family:
                diary.record_visit(current_user, pupil)
            else:  # staff reads are audited (DOMAIN.md 9)
                audit.record(current_user, "pupil", pupil.id, "diary_read", pupil_id=pupil.id)
    return pupil


def _year_period(pupil: Pupil) -> tuple[list[StudyPeriod], StudyPeriod | None,
                                        SchoolClass | None, list[SchoolClass]]:
    """The periods, the period asked for in ?period= (404 if it is not the pupil's), the
    pupil's class in that period's year or in the ?year= asked (a past year's: the archive
    of a closed year; 404 for a year the pupil was not here) and the pupil's class in every
    year. Without either, the class now, or the last one (a pupil who has left keeps the
    diary of their years here)."""
    asked, asked_year = request.args.get("period"), request.args.get("year")
    period_id = to_id(asked) if asked else None
    year_id = to_id(asked_year) if asked_year else None
    if (asked and period_id is None) or (asked_year and year_id is None):
        abort(404)
    classes = diary.classes_of_pupil(pupil)
    candidates = [c for c in (pupil.school_class, *reversed(classes)) if c is not None]
    school_class = candidates[0] if candidates else None
    if period_id is not None:
        found = db.session.get(StudyPeriod, period_id)
        year_id = found.year_id if found else 0
    if year_id is not None:
        school_class = next((c for c in candidates if c.year_id == year_id), None)
        if school_class is None:
            abort(404)
    periods = diary.periods_of_pupil(pupil, school_class)
    period = diary.pick_period(periods, period_id, clock.today())
    if asked and period is None:
        abort(404)
    return periods, period, school_class, classes


def _page(template: str, pupil: Pupil, section: str, block: str | None = None, **ctx):
    """Render a diary page with the child switch and section tabs."""
    children = policy.children_of(current_user)
    diary.load_classes([pupil, *children])
    response = render(template, block=block, pupil=pupil, section=section, children=children,
                      rendered_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **ctx)
    return response


@bp.get("/diary/")
def start():
    """The installed app's start page: the first child's week."""
    children = policy.children_of(current_user)
    if not children:
        abort(404)
    return redirect(url_for("diary.week", pupil_id=children[0].id))


@bp.get("/diary/<int:pupil_id>/week", defaults={"day": None})
@bp.get("/diary/<int:pupil_id>/week/<day>")
def week(pupil_id: int, day: str | None):
    """A school week, Monday to Saturday; htmx moves between weeks get only the week."""
    pupil = _open(pupil_id)
    monday = diary.week_start(_parse_day(day) if day else clock.today())
    data = diary.load_week(pupil, monday, _locale(), clock.today(),
                           policy.can_see_absence_reason(current_user, pupil))
    this_week = diary.week_start(clock.today())
    return _page("diary/week.html", pupil, "week", block="week", week=data, this_week=this_week,
                 switch_args={"day": monday.isoformat()})


def _parse_day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        abort(404)
    if not 2000 <= day.year <= 2100:  # keeps week arithmetic far from date.min/max
        abort(404)
    return day


@bp.get("/diary/<int:pupil_id>/marks")
def marks(pupil_id: int):
    """Marks per subject for a period: averages, predicted, period and year marks; in a
    criteria-based class each work's points, the percentages and the suggested mark."""
    pupil = _open(pupil_id)
    periods, period, school_class, years = _year_period(pupil)
    report = diary.load_marks(pupil, period, periods, _locale(), school_class)
    return _page("diary/marks.html", pupil, "marks", report=report, spark=sparkline,
                 shown_class=school_class, years=years, today=clock.today(),
                 percent=formula.shown, exact=formula.exact,
                 decimal=lambda value: format_decimal(value, format="0.00"))


@bp.get("/diary/<int:pupil_id>/attendance")
def attendance(pupil_id: int):
    """Lessons missed in a period: excused, unexcused, late, per subject."""
    pupil = _open(pupil_id)
    periods, period, school_class, years = _year_period(pupil)
    report = diary.load_attendance(pupil, period, _locale(),
                                   policy.can_see_absence_reason(current_user, pupil)) \
        if period else None
    return _page("diary/attendance.html", pupil, "attendance", periods=periods,
                 period=period, report=report, shown_class=school_class, years=years)


@bp.get("/diary/<int:pupil_id>/homework")
def homework(pupil_id: int):
    """Homework due from today on, grouped by date."""
    pupil = _open(pupil_id)
    days = diary.load_homework(pupil, clock.today(), _locale())
    return _page("diary/homework.html", pupil, "homework", days=days, today=clock.today())


@bp.get("/diary/<int:pupil_id>/timetable")
def timetable(pupil_id: int):
    """The child's timetable of the current period (of the next one in the holidays)."""
    pupil = _open(pupil_id)
    periods = diary.periods_of_pupil(pupil)
    day = sheets.timetable_day(periods, clock.today())
    return _page("diary/timetable.html", pupil, "timetable",
                 sheet=sheets.pupil_sheet(pupil, day, _locale()),
                 period=next((p for p in periods if p.contains(day)), None),
                 days=sheets.day_names(_locale()))


@bp.get("/sw.js")
def public_service_worker():
    """The service worker, from the site root so that its scope is the whole site."""
    path = Path(current_app.static_folder) / "sw.js"
    response = Response(path.read_bytes(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def sparkline(values: list[int], width: int = 96, height: int = 28,
              top: int | None = None) -> list[tuple[float, float]]:
    """Points (x, y) of an SVG line for marks in date order (scale 1-5, or 1-10: `top`,
    else guessed from the marks; a criteria class's FA is 10-point even when all are low)."""
    if not values:
        return []
    top = top or (10 if max(values) > 5 else 5)
    step = width / (len(values) - 1) if len(values) > 1 else 0
    pad = 3
    points = []
    for i, value in enumerate(values):
        x = i * step if len(values) > 1 else width / 2
        y = pad + (top - value) * (height - 2 * pad) / (top - 1)
        points.append((round(x, 1), round(y, 1)))
    return points
