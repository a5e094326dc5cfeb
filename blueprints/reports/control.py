"""The lessons or pupils behind one figure of the deputy's control dashboard (report
"control"), and the period close's steps on the home pages (templates/reports/_period_close.html
reads them through the template global below)."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id
from blueprints.reports.routes import bp
from extensions import db
from models import Staff, SubjectPage
from services import clock, policy
from services.reports import control_data, dashboard, period_close
from services.reports import filters as report_filters


@bp.get("/control/gaps")
def control_gaps():
    """The lessons (filled late, without a topic or homework, on the plan) or pupils (no
    marks, one mark, marks, missing period marks) behind a dashboard figure: of one page in
    the period, or of one teacher's pages this week (?teacher=&week=)."""
    require(policy.can_read_control(current_user))
    kind = request.args.get("kind", "")
    if kind not in control_data.LESSON_KINDS + control_data.PUPIL_KINDS:
        abort(404)
    f = report_filters.read(request.args)
    if f.year is None:
        abort(404)
    if "page" not in request.args and kind in control_data.LESSON_KINDS:
        return _week_gaps(kind, f)
    page = load_or_404(SubjectPage, to_id(request.args.get("page")) or 0,
                       may=policy.can_read_control_page)
    if page.school_class.year_id != f.year.id:
        abort(404)
    today = clock.today()
    periods = report_filters.year_periods(f.year)
    span = control_data.span_of(page.school_class, f.period, f.year, periods, today)
    lessons, pupils = [], []
    if kind in control_data.LESSON_KINDS:
        lessons = control_data.gap_lessons([page], kind, {page.class_id: span}, f.year, today)
    else:
        due = control_data.due_periods(span, periods, page.school_class.period_scheme, today,
                                    control_data.due_days())
        pupils = control_data.gap_pupils(page, kind, span, due, today)
    return render("reports/control_gaps.html", page=page, kind=kind, span=span,
                  lessons=lessons, pupils=pupils,
                  back=dict(dashboard.gap_args(f), **{"class": page.class_id}))


def _week_gaps(kind: str, f: report_filters.Filters):
    """One teacher's lessons of this week behind a figure of the week's sheet."""
    teacher = load_or_404(Staff, to_id(request.args.get("teacher")) or 0)
    week = control_data.week_of(clock.today())
    if request.args.get("week") != week.start.isoformat():
        abort(404)  # a past week's link: its figures are gone, not silently today's
    pages = [p for p in db.session.scalars(select(SubjectPage).where(
        SubjectPage.teacher_id == teacher.id)) if p.school_class.year_id == f.year.id
        and policy.oversees_class(current_user, p.school_class)]
    if not pages:
        abort(404)
    lessons = control_data.gap_lessons(pages, kind, {p.class_id: week for p in pages}, f.year,
                                    week.upto)
    return render("reports/control_gaps.html", page=None, teacher=teacher, kind=kind,
                  span=week, lessons=lessons, pupils=[],
                  back=dict(dashboard.gap_args(f), teacher=teacher.id))


@bp.app_template_global("period_close_home")
def period_close_home():
    """The period close's steps for the signed-in user's home page (None: nothing to show)."""
    return period_close.home(current_user)
