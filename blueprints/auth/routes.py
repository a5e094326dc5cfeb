"""Sign-in, sign-out, own password and the language switch."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth.forms import FirstRunForm, LoginForm, PasswordForm
from blueprints.common import render, safe_next
from extensions import db
from services import accounts, setup
from services import school as school_service
from services.accounts import sessions
from services.notices import push
from services.people.common import PeopleError, PersonData

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data,
                                         request.remote_addr or "")
        except accounts.SignInRefused as refused:
            user, error = None, refused.message
        if user is None:
            # One message for an unknown user and a wrong password.
            error = error or _("Wrong username or password.")
            db.session.commit()  # the attempt is recorded
        else:
            if session.get("locale") and not user.locale:
                accounts.set_locale(user, session["locale"])
            _sign_in(user, remember=bool(form.remember.data))
            if user.must_change_password:
                flash(_("This password was given to you by the school: choose your own now."),
                      "info")
                return redirect(url_for("auth.password"))
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render("auth/login.html", form=form, error=error, status=401 if error else 200)


def _sign_in(user, remember: bool = False) -> None:
    """A new session for this browser: nothing of the anonymous one is kept but the language
    (no session fixation; Flask-WTF makes a new CSRF token), a revocable row, the cookie."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    sessions.start(user, remember)
    db.session.commit()
    login_user(user, remember=remember)
    session["seen"] = int(time.time())


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        everywhere = bool(request.form.get("everywhere"))
        if everywhere:
            current_user.end_sessions()
        if everywhere or session.get(push.SESSION_KEY):
            push.forget_browsers(current_user.id,
                                 None if everywhere else session.get(push.SESSION_KEY))
        sessions.end(current_user)  # a copy of this browser's cookie stops working too
        db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    # The diary's service worker forgets the cached week when this header arrives.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data,
                                     school_service.the_school())
        except accounts.PasswordError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            # The session version changed with the password: this session carries on.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render("auth/password.html", form=form, status=422 if form.errors else 200,
                  forced=current_user.must_change_password)


@bp.post("/language/<locale>")
def set_language(locale: str):
    """Switch the language: saved on the account when signed in, else in the session."""
    user = current_user if current_user.is_authenticated else None
    if accounts.set_locale(user, locale):
        session["locale"] = locale
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


@bp.route("/first-run", methods=["GET", "POST"])
def first_run():
    """A new school's first page, open only while the journal has no school: the school card
    and its first administrator, with a password typed here. Then signed in."""
    if setup.has_school():
        abort(404)
    form = FirstRunForm()
    if request.method == "GET":
        form.timezone.data = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Almaty"
    if form.validate_on_submit():
        try:
            user = setup.create_school(setup.NewSchool(
                form.name.data, form.short_name.data, form.timezone.data, form.locale.data,
                PersonData(form.last_name.data.strip(), form.first_name.data.strip(),
                           (form.patronymic.data or "").strip(), form.sex.data),
                form.username.data, form.password.data))
        except PeopleError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            _sign_in(user)
            flash(_("The school is created. Next: the people, the classes and the timetable."),
                  "success")
            return redirect(url_for("admin.index"))
    return render("auth/first_run.html", form=form, status=422 if form.errors else 200)
