"""The pupil's extract from the journal (001 3.11) on screen and as a PDF, and the class
journal's hard copy (001 6) as a PDF. Routes on the reports blueprint (routes.py imports
this module at its end).

A pupil the user may not read an extract of answers 404, as any other unknown pupil does
(a parent asking for another family's child learns nothing). A class the user may not
see answers 404, one they see but may not print (a subject teacher's) 403; a period that is not the class's (or the pupil's) year's, 404.
"""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from blueprints.common import load_or_404, render, require
from blueprints.parse import to_id
from blueprints.reports.routes import _file, bp
from extensions import db
from models import Pupil, SchoolClass, StudyPeriod
from services import audit, clock, policy, transactions
from services import school as school_service
from services.reports import extract as extract_service
from services.reports import filters as report_filters
from services.reports import hardcopy


def _period_id() -> int | None:
    """The ?period= asked (None when absent); anything that is not an id is a 404."""
    raw = request.args.get("period")
    if raw in (None, ""):
        return None
    period_id = to_id(raw)
    if period_id is None:
        abort(404)
    return period_id


def _extract(pupil_id: int) -> extract_service.Extract:
    """Load the pupil (404 unless the user may read the extract), choose the period, note a
    staff member's read (DOMAIN.md 9) and build the extract."""
    pupil = load_or_404(Pupil, pupil_id, may=policy.can_read_extract)
    try:
        school_class, periods, period = extract_service.choose(pupil, _period_id())
    except LookupError:
        abort(404)
    if period is None:
        abort(404)
    if policy.is_staff(current_user) and pupil not in policy.children_of(current_user):
        with transactions.apart():  # a short write of its own, not held while the PDF renders
            audit.record(current_user, "pupil", pupil.id, "extract_read", pupil_id=pupil.id)
    return extract_service.build(pupil, school_class, period, periods)


@bp.get("/extract/<int:pupil_id>")
def extract(pupil_id: int):
    """A pupil's extract for a period, on screen, with the PDF to download."""
    return render("reports/extract.html", x=_extract(pupil_id))


@bp.get("/extract/<int:pupil_id>.pdf")
def extract_pdf(pupil_id: int):
    """A pupil's extract for a period as an A4 PDF."""
    x = _extract(pupil_id)
    return _file(extract_service.extract_pdf(x), "application/pdf", f"extract-{pupil_id}", "pdf")


@bp.get("/hardcopy/<int:class_id>.pdf")
def hardcopy_pdf(class_id: int):
    """The class journal's hard copy for a period (by default today's) as one PDF."""
    school_class = load_or_404(SchoolClass, class_id, may=policy.can_read_class)
    require(policy.can_print_hard_copy(current_user, school_class))
    period_id = _period_id()
    if period_id is None:
        period = school_service.period_on(school_class, clock.today())
    else:
        asked = db.session.get(StudyPeriod, period_id)
        if asked is None or asked.year_id != school_class.year_id:
            abort(404)
        period = report_filters.period_of_class(school_class, asked)
    if period is None:
        abort(404)
    data = hardcopy.hard_copy_pdf(school_class, period)
    return _file(data, "application/pdf", f"hardcopy-{school_class.grade}-{class_id}", "pdf")
