"""Summative works on a criteria-based page (issue 21): declaring, changing and removing a
SAU or SAT, a pupil's points from the grid, the whole work's points as a plain form, and
confirming the computed period marks.

Routes on the journal blueprint (routes.py imports this module at its end). Whoever may not
read the page gets a 404 for its works; whoever may read but not write it, a 403. Every
entrance goes through services.summative (works, points, confirm), so the schedule limits,
the edit window and the stale check hold wherever points or works change.
"""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import htmx_redirect, is_htmx, load_or_404, render, require
from blueprints.journal import answers, forms
from blueprints.journal.routes import bp
from blueprints.parse import arg_id, to_id
from extensions import db
from models import SubjectPage, SummativeWork, WorkPoints
from services import clock, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service
from services.journal import JournalError
from services.summative import confirm, points, works
from services.summative.schedule import kind_label


def _work(work_id: int, write: bool) -> tuple[SummativeWork, SubjectPage]:
    """The work and its page: 404 unless the user may read the page, 403 to write it."""
    work = db.session.get(SummativeWork, work_id)
    page = db.session.get(SubjectPage, work.page_id) if work is not None else None
    if page is None or not policy.can_read_page(current_user, page):
        abort(404)
    if write:
        require(policy.can_write_page(current_user, page))
    return work, page


def _criteria_page(page_id: int) -> SubjectPage:
    page = load_or_404(SubjectPage, page_id, may=policy.can_read_page)
    if not page.school_class.is_criteria:
        abort(404)
    return page


def _grid_url(page: SubjectPage, work: SummativeWork | None = None) -> str:
    return url_for("journal.page", page_id=page.id, period=work.period_id if work else None)


def _form(page: SubjectPage, work: SummativeWork | None, error: str = "", status: int = 200):
    """The work form: the whole page, or for htmx the form alone (the grid's panel)."""
    return render("journal/work_form.html", block="form" if is_htmx() else None,
                  status=status, page=page, work=work, error=error, form=request.form,
                  plan=works.plan_items(page), kind_label=kind_label, today=clock.today())


@bp.route("/pages/<int:page_id>/works/new", methods=["GET", "POST"])
def work_new(page_id: int):
    """Declare a SAU or SAT (the grid's "New SAU/SAT" panel, or a page of its own)."""
    page = _criteria_page(page_id)
    require(policy.can_write_page(current_user, page))
    if request.method == "GET":
        return _form(page, None)
    try:
        work = works.declare(current_user, school_service.the_school(), page,
                             works.parse(request.form), clock.today())
    except JournalError as error:
        db.session.rollback()
        return _form(page, None, error.message, 422)
    db.session.commit()
    return _done(page, work, _("%(kind)s «%(name)s» declared.", kind=kind_label(work.kind),
                               name=work.name))


def _done(page: SubjectPage, work: SummativeWork | None, message: str):
    """After a change of works: back to the grid, which draws the columns anew."""
    flash(message, "success")
    return htmx_redirect(_grid_url(page, work))


@bp.route("/works/<int:work_id>", methods=["GET", "POST"])
def work(work_id: int):
    """A work's page: every pupil's points as one plain form (all or nothing), and the
    forms to change or remove the work."""
    work, page = _work(work_id, write=request.method == "POST")
    pupils = grid_service.page_pupils(page, work.date, work.date)
    stored = {pid: got for pid, got in db.session.execute(
        select(WorkPoints.pupil_id, WorkPoints.points).where(WorkPoints.work_id == work.id))}
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        typed = {p.id: (request.form.get(f"points-{p.id}", ""), request.form.get(f"old-{p.id}"))
                 for p in pupils if f"points-{p.id}" in request.form}
        errors = points.save_many(current_user, school_service.the_school(), page, work,
                                  typed, clock.today())
        if not errors:
            db.session.commit()
            return answers.back(url_for("journal.work", work_id=work.id), ngettext(
                "Points saved for %(num)d pupil.", "Points saved for %(num)d pupils.",
                len(typed)))
        db.session.rollback()
        status = 422
    lock = points.work_lock(school_service.the_school(), page, work.date, clock.today())
    return render("journal/work.html", status=status, page=page, work=work, pupils=pupils,
                  stored=stored, errors=errors, lock=None if lock.open else lock.reason,
                  writer=policy.can_write_page(current_user, page), kind_label=kind_label,
                  plan=works.plan_items(page), form=request.form, error="",
                  today=clock.today())


@bp.route("/works/<int:work_id>/edit", methods=["GET", "POST"])
def work_edit(work_id: int):
    """Change a work's kind, name, date, maximum or section."""
    work, page = _work(work_id, write=True)
    if request.method == "GET":
        return _form(page, work)
    try:
        works.change(current_user, school_service.the_school(), page, work,
                     works.parse(request.form), clock.today())
    except JournalError as error:
        db.session.rollback()
        db.session.refresh(work)
        return _form(page, work, error.message, 422)
    db.session.commit()
    return _done(page, work, _("Saved") + ": " + work.name)


@bp.post("/works/<int:work_id>/remove")
def work_remove(work_id: int):
    """Remove a work without points."""
    work, page = _work(work_id, write=True)
    name = work.name
    try:
        works.remove(current_user, school_service.the_school(), page, work, clock.today())
    except JournalError as error:
        db.session.rollback()
        return answers.back(url_for("journal.work", work_id=work_id), error.message, "error")
    db.session.commit()
    return _done(page, None, _("«%(name)s» removed.", name=name))


@bp.post("/works/<int:work_id>/points")
def work_points(work_id: int):
    """One pupil's points from the grid (or a direct post): the cell and the pupil's new
    results, or the cell as stored with the refusal (X-Journal-Refused)."""
    work, page = _work(work_id, write=True)
    pupil_id = to_id(request.form.get("pupil", ""))
    try:
        post = forms.cell_post(request.form)
        result = points.save_points(current_user, school_service.the_school(), page, work,
                                    post.pupil_id, post.text, post.old, clock.today())
    except (forms.FormError, rules.JournalError) as error:
        on_page = pupil_id is not None and grid_service.is_on_page_ever(page, pupil_id)
        return answers.points_refused(error, work, pupil_id if on_page else None)
    db.session.commit()
    return answers.points_saved(page, work, post.pupil_id, result.points)


@bp.post("/pages/<int:page_id>/confirm")
def confirm_marks(page_id: int):
    """Give every pupil without a period mark the computed one (a plain form)."""
    page = _criteria_page(page_id)
    require(policy.can_write_page(current_user, page))
    periods, period = grid_service.pick_period(page, arg_id(request.form, "period"),
                                               clock.today())
    school = school_service.the_school()
    if period is None or school is None:
        abort(404)
    grid = grid_service.load_grid(page, period, periods, school)
    marked = {r.pupil.id for r in grid.rows if r.period_mark is not None}
    done = confirm.confirm_all(current_user, school, page, period, periods,
                               [r.pupil.id for r in grid.rows], marked, clock.today())
    db.session.commit()
    names = {r.pupil.id: r.pupil.person.short_name for r in grid.rows}
    message = ngettext("%(num)d computed mark confirmed.", "%(num)d computed marks confirmed.",
                       len(done.saved))
    if done.without:
        message += " " + _("No computed mark yet: %(names)s.",
                           names=", ".join(names[p] for p in done.without))
    if done.refused:
        message += " " + _("Not saved: %(list)s.", list="; ".join(
            f"{names[p]} ({why})" for p, why in done.refused.items()))
    return answers.back(url_for("journal.page", page_id=page.id, period=period.id), message,
                        "error" if done.refused else "success")
