"""Hard copies of a parallel or the whole school in the background (issue 18, report 7): the
form that asks for a batch, the batch's page with its progress bar (htmx polls its fragment
every 2 s while it waits or runs) and the ZIP when it is ready.

Routes on the reports blueprint (routes.py imports this module at its end). The work is
services.reports.jobs'; who may ask, see and download is services.policy's: a batch and its
file are the asker's and the leadership's over every class in it, a 404 for anyone else.
"""
from __future__ import annotations

from flask import abort, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id, to_int
from blueprints.reports.routes import bp
from extensions import db
from models import SchoolClass, StudyPeriod
from models.jobs import ReportJob
from services import policy
from services.corrections.log import period_title
from services.reports import filters as report_filters
from services.reports import jobs
from services.reports.jobs import JobError


@bp.route("/batch", methods=["GET", "POST"])
def batch():
    """Ask for the hard copies of a parallel or the whole school; the user's latest batches."""
    require(policy.may_start_hardcopy_batch(current_user))
    f = report_filters.read(request.args)
    periods = report_filters.year_periods(f.year) if f.year else []
    classes = _printable(f)
    errors, status = [], 200
    if request.method == "POST":
        try:
            job = _start(periods, classes)
            return redirect(url_for("reports.batch_job", job_id=job.id), 303)
        except JobError as error:
            db.session.rollback()
            errors, status = [error.message], 422
    return render("reports/batch.html", status=status, periods=periods, period=f.period,
                  grades=sorted({c.grade for c in classes}), errors=errors,
                  chosen=request.form, jobs=jobs.recent(current_user), title=period_title)


def _printable(f: report_filters.Filters) -> list[SchoolClass]:
    """The year's classes the user reads and may print, by grade."""
    every = report_filters.Filters(year=f.year)
    return [c for c in report_filters.classes(current_user, every)
            if policy.can_print_hard_copy(current_user, c)]


def _start(periods: list[StudyPeriod], classes: list[SchoolClass]) -> ReportJob:
    """The form's batch, committed and queued. Raises JobError for a bad choice."""
    period = next((p for p in periods if p.id == to_id(request.form.get("period"))), None)
    if period is None:
        raise JobError(_("Choose a period."))
    scope = request.form.get("scope", "")
    grade = None if scope == "school" else to_int(scope, 0, 12)
    if scope != "school" and grade is None:
        raise JobError(_("Choose a parallel or the whole school."))
    chosen = [c for c in classes if grade is None or c.grade == grade]
    job = jobs.create(current_user, period, chosen, grade, str(get_locale()))
    db.session.commit()  # the worker reads the row: it must be there before the message
    jobs.enqueue(job)
    return job


@bp.get("/batch/<int:job_id>")
def batch_job(job_id: int):
    """A batch's progress; htmx's poll gets the progress fragment alone."""
    job = load_or_404(ReportJob, job_id, may=policy.can_read_report_job)
    names = {c.id: c.name for c in jobs.classes_of(job)}
    return render("reports/batch_job.html", "progress", job=job, names=names,
                  period=period_title(job.period), ready=jobs.result_path(job) is not None)


@bp.get("/batch/<int:job_id>/file")
def batch_file(job_id: int):
    """The batch's ZIP, one PDF per class; 404 until it is made (or once it is gone)."""
    job = load_or_404(ReportJob, job_id, may=policy.can_read_report_job)
    path = jobs.result_path(job)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=jobs.download_name(job), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
