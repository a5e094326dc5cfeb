"""Every report through one view: the page with its filters (htmx swaps the sheets), the PDF
and the XLSX file. What each report holds is its builder's (services/reports); who may open
it is its `may` (services.policy); per class the builders ask policy again."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import render, require
from extensions import db
from models import Person, Staff, Subject, SubjectPage
from services import clock
from services.reports import filters as report_filters
from services.reports import registry, sheet

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
def index():
    """The reports this user may open."""
    reports = registry.available(current_user)
    require(bool(reports))
    return render("reports/index.html", reports=reports)


def _report(key: str) -> registry.Report:
    registry.load_all()
    report = registry.REPORTS.get(key)
    if report is None:
        abort(404)
    require(report.may(current_user))
    return report


def _sheets(report: registry.Report) -> tuple[report_filters.Filters, list[sheet.Sheet]]:
    f = report_filters.read(request.args)
    sheets = report.build(current_user, f)
    for s in sheets:
        sheet.sort_rows(s, f.sort)
    return f, sheets


@bp.get("/<key>")
def show(key: str):
    """A report on screen; an htmx request (the filters, a column's sort) gets the sheets."""
    report = _report(key)
    f, sheets = _sheets(report)
    return render("reports/report.html", "sheets", report=report, f=f, sheets=sheets,
                  choices=_choices(report, f), rows_html=sheet.rows_html)


@bp.get("/<key>.pdf")
def as_pdf(key: str):
    report = _report(key)
    _f, sheets = _sheets(report)
    return _file(sheet.to_pdf(sheets, str(report.title())), "application/pdf", key, "pdf")


@bp.get("/<key>.xlsx")
def as_xlsx(key: str):
    report = _report(key)
    _f, sheets = _sheets(report)
    return _file(sheet.to_xlsx(sheets), "application/vnd.openxmlformats-officedocument."
                 "spreadsheetml.sheet", key, "xlsx")


def _file(data: bytes, mime: str, key: str, ext: str) -> Response:
    response = Response(data, mimetype=mime)
    name = f"{key}-{clock.today().isoformat()}.{ext}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _choices(report: registry.Report, f: report_filters.Filters) -> dict:
    """The options of the filters this report shows."""
    out: dict = {}
    if f.year is None:
        return out
    classes = report_filters.classes(current_user, report_filters.Filters(year=f.year))
    if "period" in report.filters:
        out["periods"] = report_filters.year_periods(f.year)
    if "class" in report.filters:
        out["classes"] = classes
    if "grade" in report.filters:
        out["grades"] = sorted({c.grade for c in classes})
    if "subject" in report.filters:
        out["subjects"] = list(db.session.scalars(select(Subject).order_by(Subject.id)))
    if "teacher" in report.filters:
        out["teachers"] = list(db.session.scalars(
            select(Staff).join(SubjectPage, SubjectPage.teacher_id == Staff.id)
            .where(SubjectPage.class_id.in_([c.id for c in classes])).distinct()
            .join(Person, Person.id == Staff.person_id)
            .order_by(Person.last_name, Person.first_name)))
    return out


# Reports with pages of their own put their routes on bp.
from blueprints.reports import batch, control, extract, summative  # noqa: E402,F401,I001
