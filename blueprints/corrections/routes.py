"""Late corrections: the request form, the list, one request with its decision and its
application, the attached document. The rules are services.corrections'; who may see and do
what is services.policy's. Parents and pupils never reach any of these pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import load_or_404, refuse, render, require
from blueprints.corrections.forms import DecisionForm, RequestForm
from blueprints.parse import arg_id
from extensions import db
from models import Correction, Lesson, Pupil, StudyPeriod, SubjectPage
from services import audit, clock, corrections, policy, transactions
from services.corrections import files, lists, workflow
from services.corrections.errors import CorrectionError

bp = Blueprint("corrections", __name__, url_prefix="/corrections")


@bp.get("/")
def index():
    """Requests waiting for the user's decision or application, their own and the latest."""
    require(policy.is_staff(current_user))
    return render("corrections/index.html", lists=lists.for_user(current_user))


def _target() -> corrections.Target:
    """The entry named by the query string: ?lesson=&pupil= or ?page=&pupil=&kind=&period=.
    404 for anything the user may not read."""
    pupil = db.session.get(Pupil, arg_id(request.args, "pupil") or 0)
    if pupil is None:
        abort(404)
    try:
        if request.args.get("lesson"):
            lesson = db.session.get(Lesson, arg_id(request.args, "lesson") or 0)
            if lesson is None or not policy.can_read_page(current_user, lesson.page):
                abort(404)
            return corrections.cell_target(lesson, pupil)
        page = load_or_404(SubjectPage, arg_id(request.args, "page") or 0,
                           may=policy.can_read_page)
        period = db.session.get(StudyPeriod, arg_id(request.args, "period") or 0)
        return corrections.final_target(page, pupil, request.args.get("kind", ""), period)
    except CorrectionError:
        abort(404)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Ask for a correction of one locked entry, with the document."""
    require(policy.is_staff(current_user))
    target = _target()
    form, status = RequestForm(), 200
    if form.validate_on_submit():
        try:
            row = corrections.request(current_user, target, form.request_data(),
                                      request.files.get(form.document.name), clock.today())
            db.session.commit()
        except CorrectionError as error:
            refuse(form, error)
            status = error.status if error.status in (403, 409) else 422
        else:
            flash(_("Request № %(n)d is sent to the deputy director.", n=row.id), "success")
            return redirect(url_for("corrections.show", correction_id=row.id))
    elif request.method == "POST":
        status = 422
    return render("corrections/new.html", status=status, form=form, target=target,
                  current=corrections.current_value(target),
                  waiting=workflow.waiting_request(target))


def _correction(correction_id: int) -> Correction:
    return load_or_404(Correction, correction_id, may=policy.can_read_correction)


@bp.get("/<int:correction_id>")
def show(correction_id: int):
    """One request: the entry, the document, each step with who and when, and the actions
    the user may take now."""
    row = _correction(correction_id)
    return _page(row, DecisionForm())


def _page(row: Correction, form: DecisionForm, status: int = 200):
    may_decide = (row.status == "pending" and row.requested_by != current_user.id
                  and policy.can_decide_correction(current_user, row))
    may_apply = row.status == "approved" and policy.can_apply_correction(current_user, row)
    return render("corrections/show.html", status=status, row=row, form=form,
                  may_decide=may_decide, may_apply=may_apply)


@bp.post("/<int:correction_id>/decide")
def decide(correction_id: int):
    """Approve or reject a pending request (the director or a deputy of the level)."""
    row = _correction(correction_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(row, form, 422)
    try:
        corrections.decide(current_user, row, request.form.get("decision") == "approve",
                           form.note.data or "")
        db.session.commit()
    except CorrectionError as error:
        refuse(form, error)
        return _page(db.session.get(Correction, correction_id), form, error.status)
    flash(_("The request is approved: a deputy director can now apply it.")
          if row.status == "approved" else _("The request is rejected."), "success")
    return redirect(url_for("corrections.show", correction_id=row.id))


@bp.post("/<int:correction_id>/apply")
def apply(correction_id: int):
    """Enter an approved correction into the journal (a deputy or the administrator)."""
    row = _correction(correction_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(row, form, 422)
    try:
        corrections.apply(current_user, row, clock.today())
        db.session.commit()
    except CorrectionError as error:
        refuse(form, error)
        return _page(db.session.get(Correction, correction_id), form, error.status)
    flash(_("The correction is entered in the journal and the change log."), "success")
    return redirect(url_for("corrections.show", correction_id=row.id))


@bp.get("/<int:correction_id>/document")
def document(correction_id: int):
    """The attached scan, to those who may read the request; every download is audited."""
    row = _correction(correction_id)
    path = files.path_of(row.file_key or "")
    if path is None:
        abort(404)
    with transactions.apart():
        audit.record(current_user, "correction", row.id, "document_read", pupil_id=row.pupil_id)
    response = send_file(path, mimetype=row.file_type, as_attachment=True,
                         download_name=row.file_name or path.name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
