"""The lessons or pupils behind one figure of the deputy's control dashboard (report
"control"), and the period close's steps on the home pages (templates/reports/_period_close.html
reads them through the template global below)."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id
from blueprints.reports.routes import bp
from models import SubjectPage
from services import clock, policy
from services.reports import dashboard, period_close
from services.reports import filters as report_filters


@bp.get("/control/gaps")
def control_gaps():
    """One page's lessons (without a topic, homework, filled late, on the plan) or pupils
    (no marks, one mark, marks, missing period marks) behind a dashboard figure."""
    require(policy.can_read_control(current_user))
    kind = request.args.get("kind", "")
    if kind not in dashboard.LESSON_KINDS + dashboard.PUPIL_KINDS:
        abort(404)
    page = load_or_404(SubjectPage, to_id(request.args.get("page")) or 0,
                       may=policy.can_read_control_page)
    f = report_filters.read(request.args)
    if f.year is None or page.school_class.year_id != f.year.id:
        abort(404)
    today = clock.today()
    periods = report_filters.year_periods(f.year)
    span = dashboard.span_of(page.school_class, f.period, f.year, periods, today)
    lessons, pupils = [], []
    if kind in dashboard.LESSON_KINDS:
        lessons = dashboard.gap_lessons(page, kind, span, f.year, today)
    else:
        due = dashboard.due_periods(span, periods, page.school_class.period_scheme, today,
                                    dashboard.due_days())
        pupils = dashboard.gap_pupils(page, kind, span, due, today)
    return render("reports/control_gaps.html", page=page, kind=kind, span=span, f=f,
                  lessons=lessons, pupils=pupils,
                  back=dict(dashboard.gap_args(f), **{"class": page.class_id}))


@bp.app_template_global("period_close_home")
def period_close_home():
    """The period close's steps for the signed-in user's home page (None: nothing to show)."""
    return period_close.home(current_user)
