"""A parent's notice settings: which kinds, push on this browser, e-mail (issue 20).

/notices/settings is the parent's page (anyone else: 403). The form works without
JavaScript (303 back to the page) and through htmx (the form's block comes back, with its
errors or the word that it was saved). Push is switched on per browser by static/js/push.js,
which posts the browser's subscription as JSON with the CSRF header.
"""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.common import is_htmx, refuse, render, require
from blueprints.notices.routes import bp
from extensions import db
from models import School
from models.notices import NOTICE_KINDS
from services import policy
from services.notices import mail, prefs, push


class SettingsForm(FlaskForm):
    # The service checks every value (one rule for every way in); the form only carries them.
    kinds = SelectMultipleField(_l("Tell me about"), validate_choice=False,
                                option_widget=CheckboxInput(),
                                widget=ListWidget(prefix_label=False))
    email = StringField(_l("E-mail address"), render_kw={"autocomplete": "email",
                                                         "type": "email", "inputmode": "email"})
    email_mode = RadioField(_l("E-mail"), validate_choice=False, choices=[
        SelectChoice("off", _l("No e-mail")),
        SelectChoice("each", _l("A letter for each new notice (a few minutes after it)")),
        SelectChoice("digest", _l("One letter a day with the day's notices"))])


def _form(formdata=None) -> SettingsForm:
    setting = prefs.setting_of(current_user.id)
    form = SettingsForm(formdata=formdata, data={
        "kinds": sorted(prefs.parse_kinds(setting.kinds)), "email": setting.email,
        "email_mode": setting.email_mode})
    labels, offered = prefs.kind_labels(), prefs.school_kinds()
    form.kinds.choices = [SelectChoice(k, labels[k]) for k in NOTICE_KINDS if k in offered]
    return form


def _page(form: SettingsForm, status: int = 200, saved: bool = False) -> Response:
    hour = db.session.scalar(db.select(School.digest_hour).limit(1))
    return render("notices/settings.html", block="settings_form", status=status, form=form,
                  saved=saved, email_on=mail.configured(), digest_hour=hour,
                  devices=push.devices(current_user.id), push_key=push.public_key())


@bp.get("/settings")
def settings():
    """The parent's notice settings."""
    require(policy.can_set_notices(current_user))
    return _page(_form())


@bp.post("/settings")
def save_settings():
    """Save the kinds and the e-mail choice (the e-mail part only when the school has a
    relay); errors come back next to their fields, nothing saved."""
    require(policy.can_set_notices(current_user))
    form = _form(request.form)
    email_on = mail.configured()
    try:
        prefs.save(current_user.id, form.kinds.data or [],
                   form.email.data if email_on else None,
                   form.email_mode.data if email_on else None)
    except prefs.SettingsError as error:
        refuse(form, error)
        return _page(form, status=422)
    db.session.commit()
    if is_htmx():
        return _page(_form(), saved=True)
    flash(_("The notice settings are saved."), "success")
    return redirect(url_for("notices.settings"), 303)


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


@bp.post("/push/subscribe")
def push_subscribe():
    """This browser's push subscription (JSON, as PushSubscription.toJSON() gives it)."""
    require(policy.can_set_notices(current_user))
    try:
        row = push.subscribe(current_user.id, _json_body())
    except push.PushError:
        db.session.rollback()
        abort(400)
    db.session.commit()
    session[push.SESSION_KEY] = row.id  # signing out of this browser forgets it
    return Response(status=204)


@bp.post("/push/check")
def push_check():
    """Whether the server still sends to this browser ({"endpoint": ...}): a browser keeps
    its subscription after the parent signed out there, when the server forgot it. Known
    again, it is this session's browser for the next sign-out."""
    require(policy.can_set_notices(current_user))
    row = push.own_browser(current_user.id, _json_body().get("endpoint"))
    if row is not None:
        session[push.SESSION_KEY] = row.id
    return jsonify(on=row is not None)


@bp.post("/push/unsubscribe")
def push_unsubscribe():
    """Forget this browser's subscription ({"endpoint": ...}) of the signed-in parent."""
    require(policy.can_set_notices(current_user))
    push.unsubscribe(current_user.id, _json_body().get("endpoint"))
    db.session.commit()
    return Response(status=204)
