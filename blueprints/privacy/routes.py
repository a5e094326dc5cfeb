"""The family's own data and the journal's retention (issue 19).

/my-data/<pupil>/ is for the pupil's parents and the pupil only: anyone else (another family,
staff) gets 404 on every URL of a child. The archive's download is in the audit trail. The
class teacher and the administration answer the families' correction requests on
/my-data/requests/. /retention/ is the administrator's: a dry run, and the purge after a
typed confirmation word.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import load_or_404, refuse, render, require
from blueprints.privacy import forms
from extensions import db
from models import DataRequest, Pupil
from services import audit, policy, retention, transactions
from services.privacy import archive, holdings
from services.privacy import requests as data_requests

bp = Blueprint("privacy", __name__)


def _child(pupil_id: int) -> Pupil:
    return load_or_404(Pupil, pupil_id, may=policy.can_read_family_data)


@bp.get("/my-data/")
def index():
    """The family's way in: straight to the only child, else a list of the children."""
    children = policy.children_of(current_user)
    if not children:
        abort(404)
    if len(children) == 1:
        return redirect(url_for("privacy.family", pupil_id=children[0].id))
    return render("privacy/index.html", children=children)


def _family_page(pupil: Pupil, form: forms.AskForm, status: int = 200):
    return render("privacy/family.html", status=status, pupil=pupil, form=form,
                  asked=data_requests.of_pupil(pupil),
                  children=policy.children_of(current_user))


@bp.get("/my-data/<int:pupil_id>/")
def family(pupil_id: int):
    """What the school holds about the child, the archive, the correction requests."""
    return _family_page(_child(pupil_id), forms.AskForm())


@bp.post("/my-data/<int:pupil_id>/")
def ask(pupil_id: int):
    """The family asks the class teacher for a correction."""
    pupil = _child(pupil_id)
    form = forms.AskForm()
    if form.validate():
        try:
            data_requests.ask(current_user, pupil, form.text.data)
        except data_requests.RequestError as error:
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Your request is sent to the class teacher."), "success")
            return redirect(url_for("privacy.family", pupil_id=pupil.id), 303)
    return _family_page(pupil, form, status=422)


@bp.get("/my-data/<int:pupil_id>/archive.zip")
def download(pupil_id: int):
    """Everything the school holds about the child: a PDF, JSON and CSV in one ZIP."""
    pupil = _child(pupil_id)
    with transactions.apart():  # a short write of its own, not held while the PDF renders
        audit.record(current_user, "pupil", pupil.id, "data_export", pupil_id=pupil.id)
    held = holdings.gather(pupil, str(get_locale()), reader=current_user)
    response = Response(archive.make_zip(held), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.file_name(held)}"'
    return response


@bp.get("/my-data/requests/")
def requests_list():
    """The families' correction requests this user may answer, open ones first."""
    require(policy.may_answer_data_requests(current_user))
    rows = data_requests.for_answerer(current_user)
    return render("privacy/requests.html", rows=rows,
                  forms={r.id: forms.AnswerForm(prefix=f"r{r.id}") for r in rows
                         if r.status == "open"})


@bp.post("/my-data/requests/<int:request_id>/")
def answer(request_id: int):
    """The class teacher (or the administration) answers and closes a request."""
    row = db.session.get(DataRequest, request_id)
    if row is None or not policy.can_answer_data_request(current_user, row.pupil):
        abort(404)
    form = forms.AnswerForm(prefix=f"r{row.id}")
    try:
        data_requests.answer(current_user, row, form.answer.data)
    except data_requests.RequestError as error:
        refuse(form, error)
        rows = data_requests.for_answerer(current_user)
        others = {r.id: forms.AnswerForm(prefix=f"r{r.id}", formdata=None) for r in rows
                  if r.status == "open" and r.id != row.id}
        return render("privacy/requests.html", status=422, rows=rows,
                      forms={**others, row.id: form})
    db.session.commit()
    flash(_("The answer is sent to the family."), "success")
    return redirect(url_for("privacy.requests_list"), 303)


def _retention_page(form: forms.PurgeForm, status: int = 200):
    form.confirm.description = _('Type "%(word)s" to confirm.', word=_("purge"))
    return render("privacy/retention.html", status=status, plan=retention.make_plan(),
                  form=form, labels=retention.KIND_LABELS)


@bp.route("/retention/", methods=["GET", "POST"])
def retention_page():
    """The dry run of the retention limits, and the purge after the typed word."""
    require(policy.can_purge_old_data(current_user))
    form = forms.PurgeForm()
    if request.method != "POST":
        return _retention_page(form)
    typed = (form.confirm.data or "").strip().casefold()
    if typed not in {_("purge").casefold(), "purge"}:
        form.confirm.errors = [_('Type "%(word)s" to confirm.', word=_("purge"))]
        return _retention_page(form, status=422)
    try:
        counts, files = retention.purge(current_user, retention.make_plan())
    except retention.RetentionError as error:
        refuse(form, error)
        return _retention_page(form, status=422)
    db.session.commit()
    retention.remove_files(files)
    flash(ngettext("Deleted %(num)d row past the retention limits.",
                   "Deleted %(num)d rows past the retention limits.", sum(counts.values())),
          "success")
    return redirect(url_for("privacy.retention_page"), 303)
