"""The change log sheet (таблица учета изменений, 001 4.3) per class and period: on screen,
as a PDF (A4 landscape, to sign) and as a spreadsheet. Leadership of the class's level and
its class teacher read it (policy.can_read_change_log); parents and pupils never."""
from __future__ import annotations

from flask import Blueprint, abort, make_response, request
from flask_login import current_user

from blueprints.common import load_or_404, render, require
from blueprints.parse import arg_id
from models import SchoolClass, StudyPeriod
from services import clock, policy
from services import school as school_service
from services.corrections import log

bp = Blueprint("changelog", __name__, url_prefix="/change-log")


def readable_classes() -> list[SchoolClass]:
    """The current year's classes whose sheet this user may read."""
    year = school_service.current_year()
    if year is None or not policy.is_staff(current_user):
        return []
    return [c for c in school_service.classes_of_year(year)
            if policy.can_read_change_log(current_user, c)]


def _class_asked(classes: list[SchoolClass]) -> SchoolClass:
    """The class of ?class= (404 if missing, 403 if its sheet is not the user's), else the
    first class the user may read (403: none)."""
    class_id = arg_id(request.args, "class")
    if class_id is None:
        if request.args.get("class") or not classes:
            abort(404 if request.args.get("class") else 403)
        return classes[0]
    school_class = load_or_404(SchoolClass, class_id)
    require(policy.can_read_change_log(current_user, school_class))
    return school_class


def _period_asked(school_class: SchoolClass, periods: list[StudyPeriod],
                  strict: bool) -> StudyPeriod:
    """The class's period of ?period=, else the one of today. A period of another scheme
    (chosen before switching classes) is a 404 for a file, today's period on the page."""
    period_id = arg_id(request.args, "period")
    period = next((p for p in periods if p.id == period_id), None)
    if period is None and strict and request.args.get("period"):
        abort(404)
    period = period or school_service.period_on(school_class, clock.today())
    if period is None:
        abort(404)
    return period


def _sheet_of_request(strict: bool) -> tuple[SchoolClass, StudyPeriod]:
    school_class = _class_asked(readable_classes() if not request.args.get("class") else [])
    periods = school_service.periods_of(school_class)
    return school_class, _period_asked(school_class, periods, strict)


@bp.get("/")
def index():
    """The sheet of a class and period, chosen on the page and kept in the URL."""
    classes = readable_classes()
    school_class = _class_asked(classes)
    periods = school_service.periods_of(school_class)
    period = _period_asked(school_class, periods, strict=False)
    if school_class not in classes:
        classes = [school_class, *classes]
    return render("changelog/index.html", classes=classes, school_class=school_class,
                  periods=periods, period=period, rows=log.change_log(school_class, period),
                  period_title=log.period_title, headers=log.headers())


def _file(data: bytes, mimetype: str, name: str, inline: bool):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


@bp.get("/pdf")
def pdf():
    """The sheet as a PDF in the user's language, to print and sign."""
    school_class, period = _sheet_of_request(strict=True)
    return _file(log.change_log_pdf(school_class, period), "application/pdf",
                 f"change-log-{school_class.grade}-{school_class.id}-{period.number}.pdf",
                 inline=True)


@bp.get("/xlsx")
def xlsx():
    """The sheet as a spreadsheet."""
    school_class, period = _sheet_of_request(strict=True)
    return _file(log.change_log_xlsx(school_class, period),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 f"change-log-{school_class.grade}-{school_class.id}-{period.number}.xlsx",
                 inline=False)
