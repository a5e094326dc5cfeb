"""Readiness before the year (001 5.5): the deputy's and the administrator's list of what is
missing, each line a link to the place where it is fixed."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

from blueprints.common import render, require
from services import clock, policy, readiness
from services import school as school_service

bp = Blueprint("readiness", __name__, url_prefix="/readiness")

# Where a class's timetable of a period is entered (the timetable feature's grid).
TIMETABLE_ENDPOINT = "timetable.grid"


def timetable_url(class_id: int, period_id: int) -> str:
    """The timetable grid of the class in the period, or the administration in a build
    without the timetable screens."""
    if TIMETABLE_ENDPOINT in current_app.view_functions:
        try:
            return url_for(TIMETABLE_ENDPOINT, class_id=class_id, period=period_id)
        except BuildError:  # the rule changed its arguments: better a page than a 500
            pass
    return url_for("admin.index")


@bp.get("/")
def index():
    """What is missing for the classes the user oversees; before the 10-day window the page
    says from when the list counts, and still shows it."""
    require(policy.can_read_load(current_user))
    year = school_service.current_year()
    if year is None:
        abort(404)
    classes = [c for c in school_service.classes_of_year(year)
               if policy.oversees_class(current_user, c)]
    report = readiness.check(year, classes, clock.today())
    return render("readiness/index.html", report=report, today=clock.today(),
                  locale=str(get_locale()), timetable_url=timetable_url)
