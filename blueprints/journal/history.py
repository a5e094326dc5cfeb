"""A journal cell's history where the teacher looks (issue 17): the H key or a long press on a
cell opens a fragment listing every value the cell had, who set it in which role and when,
the late corrections that changed it, and a link to ask for one when the cell is locked.

Routes on the journal blueprint (routes.py imports this module at its end). Whoever may read
the page sees the history of a pupil who was ever on it; anything else is a 404.
"""
from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import load_or_404, render
from blueprints.journal import cells
from blueprints.journal.routes import bp
from blueprints.parse import arg_id
from extensions import db
from models import Lesson, Pupil, StudyPeriod, SubjectPage
from services import cell_history as history_service
from services import clock, entries, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service
from services.corrections import log as correction_log


def role_labels() -> dict[str, str]:
    """The role an audit row names, as the history shows it."""
    return {"teacher": _("subject teacher"), "substitute": _("substitute teacher"),
            "class_teacher": _("class teacher"), "admin": _("administrator"),
            "director": _("director"), "deputy": _("deputy director"),
            "secretary": _("secretary"), "system": _("the system")}


def _pupil_on(page: SubjectPage) -> Pupil:
    """The pupil of ?pupil=, if ever on the page (404 otherwise: no probing)."""
    pupil = db.session.get(Pupil, arg_id(request.args, "pupil") or 0)
    if pupil is None or not grid_service.is_on_page_ever(page, pupil.id):
        abort(404)
    return pupil


@bp.get("/lessons/<int:lesson_id>/history")
def cell_history(lesson_id: int):
    """Every value of one lesson cell, newest first, with its corrections."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not policy.can_read_page(current_user, lesson.page):
        abort(404)
    page = lesson.page
    pupil = _pupil_on(page)
    school = school_service.the_school()
    # Absence reasons are health data (DOMAIN.md 9): only for those who may see them.
    reasons = policy.can_see_absence_reason_on_page(current_user, page, pupil)
    history = history_service.cell_history(lesson, pupil.id, with_reasons=reasons)
    lock = rules.lesson_lock(school, page, lesson, entries.column_work_type(lesson, school),
                             clock.today())
    # The subject teacher asks for anything, the class teacher for absences (001 4.2.2).
    ask = not lock.open and (
        policy.can_request_correction(current_user, page, attendance_only=False)
        or policy.can_request_correction(current_user, page, attendance_only=True))
    now, _marks, _att = entries.current_cell(lesson.id, pupil.id)
    return _render(page, pupil, history, lesson=lesson, now=now.text(),
                   ask=url_for("corrections.new", lesson=lesson.id, pupil=pupil.id)
                   if ask else None)


@bp.get("/pages/<int:page_id>/final-history")
def final_history(page_id: int):
    """Every value of one period mark (kind=period&period=) or of the year mark (kind=year)."""
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    pupil = _pupil_on(page)
    kind = request.args.get("kind", "")
    periods = school_service.periods_of(page.school_class)
    period = db.session.get(StudyPeriod, arg_id(request.args, "period") or 0)
    if kind == "year" and periods:
        period = periods[-1]
    if kind not in ("period", "year") or period is None or period not in periods:
        abort(404)
    school = school_service.the_school()
    history = history_service.final_history(page, pupil.id, kind, period, periods,
                                         school.lock_days_final)
    end = period.end_date if kind == "period" else periods[-1].end_date
    ask = not rules.final_lock(school, page, end, clock.today()).open and \
        policy.can_request_correction(current_user, page, attendance_only=False)
    mark, _notice = entries.stored_final(page, pupil.id, kind, period)
    return _render(page, pupil, history, kind=kind, period=period,
                   now=rules.final_label(*mark) if mark else "",
                   ask=url_for("corrections.new", page=page.id, pupil=pupil.id, kind=kind,
                               period=period.id) if ask else None)


def shown_cell(text: str) -> str:
    """A cell's text as the audit trail keeps it ("н5", "о") in the user's letters ("ж5")."""
    absent, late = cells.letters()
    if text[:1] == "н":
        return absent + text[1:]
    return late + text[1:] if text[:1] == "о" else text


def _render(page: SubjectPage, pupil: Pupil, history: history_service.History, **context):
    return render("journal/_history.html", page=page, pupil=pupil, history=history,
                  roles=role_labels(), reasons=cells.reason_labels(), shown_cell=shown_cell,
                  fix_reason=correction_log.reason_label, **context)
