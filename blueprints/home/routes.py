"""Each role's home page."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.common import render, require
from services import backup_jobs, clock, policy, school
from services.corrections import lists as correction_lists

bp = Blueprint("home", __name__)


@bp.get("/health")
def health():
    return {"status": "ok"}


@bp.get("/")
def index():
    """Send each user to the home page of their main role."""
    user = current_user
    if user.has_role("admin", "director", "deputy", "secretary"):
        return redirect(url_for("home.office"))
    if user.has_role("teacher"):
        return redirect(url_for("home.teacher"))
    if user.has_role("parent", "pupil"):
        return redirect(url_for("home.family"))
    return render("home/no_role.html")


@bp.get("/office")
def office():
    """Administration: the school at a glance and every class it oversees."""
    require(current_user.has_role("admin", "director", "deputy", "secretary"))
    year = school.current_year()
    classes = school.classes_of_year(year) if year else []
    classes = [c for c in classes if policy.can_read_class(current_user, c)]
    return render("home/office.html", year=year, classes=classes,
                  corrections=correction_lists.home_summary(current_user),
                  counts=school.school_counts(),
                  pupils=school.pupil_counts([c.id for c in classes]),
                  backups=backup_jobs.listing() if policy.can_read_backups(current_user) else None)


# The school year's screens, in the order a year runs: (endpoint, url arguments, title,
# what it is for). Each is listed to whoever may open it (the page itself decides again).
YEAR_STEPS = (
    ("admin.grid", {"key": "years"}, _l("Academic years"),
     _l("The year's first and last day; which year is current.")),
    ("admin.grid", {"key": "periods"}, _l("Study periods"),
     _l("Quarters, half-years or trimesters and their dates.")),
    ("admin.grid", {"key": "holidays"}, _l("Holidays and vacations"),
     _l("Days without lessons: the edit windows and the timetable skip them.")),
    ("admin.grid", {"key": "curriculum"}, _l("Curriculum (weekly hours)"),
     _l("Weekly hours of each subject in each grade.")),
    ("admin.grid", {"key": "summative-rules"}, _l("Summative assessment by subject"),
     _l("In criteria-based classes: which subjects have a SAT and which are marked per "
        "half-year.")),
    ("load.index", {}, _l("Teaching load"),
     _l("Who teaches which class or subgroup, and hand-overs from a date.")),
    ("timetable.index", {}, _l("Timetable"),
     _l("The weekly timetable of each class; the journal's lessons follow it.")),
    ("readiness.index", {}, _l("Readiness"),
     _l("What is still missing before the year or a period starts.")),
    ("exams.index", {}, _l("Final attestation"),
     _l("Results of the state exams in grades 9 and 11.")),
    ("yearclose.index", {}, _l("Year close"),
     _l("Year marks checked, pupils promoted by the director's order, the new year opened.")),
)


@bp.get("/school-year")
def school_year():
    """The school year's screens in one place, for the administration."""
    require(policy.can_read_load(current_user))
    return render("home/school_year.html", year=school.current_year(),
                  steps=[(url_for(endpoint, **args), title, text)
                         for endpoint, args, title, text in YEAR_STEPS])


@bp.get("/teacher")
def teacher():
    """A teacher's day: today's lessons, own subject pages and, for a class teacher, the class."""
    staff = policy.staff_of(current_user)
    require(staff is not None and current_user.has_role("teacher"))
    today = clock.today()
    year = school.current_year()
    led = [c for c in school.classes_of_year(year)
           if c.id in policy.led_class_ids(current_user)] if year else []
    return render("home/teacher.html", today=today,
                  lessons=school.lessons_of_teacher_on(staff, today),
                  pages=school.pages_of_teacher(staff), led=led,
                  corrections=correction_lists.home_summary(current_user))


@bp.get("/family")
def family():
    """Parents and pupils: straight to the diary week of the first child."""
    children = policy.children_of(current_user)
    require(bool(children))
    return redirect(url_for("diary.week", pupil_id=children[0].id))
