"""The criteria-based documents (issue 21) on the reports blueprint (routes.py imports this
module at its end): the «Анализ СОР и СОЧ» of a subject page and period on screen, as a PDF
and as an XLSX; a pupil's transfer extract as a PDF.

A page of a class the user may not read answers 404 (a parent, a teacher of another class, a
deputy of another level); a page of a class they read but not the page itself (another
teacher's page of a class they teach) 403. A pupil the user may not read answers 404; a pupil
they read but whose transfer extract they may not issue (a subject teacher, the family) 403.
The files take ?lang=ru|kk for a document in the other language; else the user's.
"""
from __future__ import annotations

from contextlib import nullcontext

from flask import abort, request
from flask_babel import force_locale
from flask_login import current_user

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id
from blueprints.reports.routes import _file, bp
from extensions import db
from models import Pupil, StudyPeriod, SubjectPage
from services import audit, clock, policy, transactions
from services import school as school_service
from services.reports import sheet
from services.reports import summative as analysis
from services.reports import summative_transfer as transfer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("ru", "kk")


def _id_arg(name: str) -> int | None:
    """The ?name= id asked (None when absent); anything that is not an id is a 404."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    value = to_id(raw)
    if value is None:
        abort(404)
    return value


def _language():
    """force_locale for ?lang=ru|kk; the user's own language otherwise (another value: 404)."""
    lang = request.args.get("lang")
    if lang in (None, ""):
        return nullcontext()
    if lang not in LANGUAGES:
        abort(404)
    return force_locale(lang)


def _page_and_period() -> tuple[SubjectPage, StudyPeriod]:
    """The page (404 unless its class is known to the user, 403 unless the page may be read;
    404 for a classic class) and the period asked (by default today's) of its class."""
    page = load_or_404(SubjectPage, request.view_args["page_id"],
                       may=lambda user, p: policy.can_read_class(user, p.school_class))
    require(policy.can_read_page(current_user, page))
    if not page.school_class.is_criteria:
        abort(404)
    period_id = _id_arg("period")
    if period_id is None:
        period = school_service.period_on(page.school_class, clock.today())
    else:
        period = db.session.get(StudyPeriod, period_id)
        if period is not None and period not in school_service.periods_of(page.school_class):
            period = None
    if period is None:
        abort(404)
    return page, period


@bp.get("/summative/<int:page_id>")
def summative(page_id: int):
    """The analysis of SAU and SAT of a page for a period, with its PDF and XLSX."""
    page, period = _page_and_period()
    a = analysis.analyse(page, period)
    return render("reports/summative.html", a=a, sheets=analysis.analysis_sheets(a),
                  heading=analysis.header(a), rows_html=sheet.rows_html,
                  languages=(("ru", "Русский"), ("kk", "Қазақша")))


@bp.get("/summative/<int:page_id>.pdf")
def summative_pdf(page_id: int):
    page, period = _page_and_period()
    with _language():
        data = analysis.analysis_pdf(analysis.analyse(page, period))
    return _file(data, "application/pdf", f"summative-{page_id}", "pdf")


@bp.get("/summative/<int:page_id>.xlsx")
def summative_xlsx(page_id: int):
    page, period = _page_and_period()
    with _language():
        data = analysis.analysis_xlsx(analysis.analyse(page, period))
    return _file(data, XLSX, f"summative-{page_id}", "xlsx")


@bp.get("/summative/transfer/<int:pupil_id>.pdf")
def summative_transfer_pdf(pupil_id: int):
    """A pupil's transfer extract for a year (?year=, by default the latest) as a PDF; the
    read is noted in the audit trail (DOMAIN.md 9)."""
    pupil = load_or_404(Pupil, pupil_id, may=policy.can_read_pupil)
    require(policy.can_issue_transfer_extract(current_user, pupil))
    try:
        school_class = transfer.class_of_year(pupil, _id_arg("year"))
    except LookupError:
        abort(404)
    with transactions.apart():  # a short write of its own, not held while the PDF renders
        audit.record(current_user, "pupil", pupil.id, "extract_read",
                     {"document": "transfer"}, pupil_id=pupil.id)
    with _language():
        data = transfer.transfer_pdf(transfer.build(pupil, school_class))
    return _file(data, "application/pdf", f"transfer-{pupil_id}", "pdf")
