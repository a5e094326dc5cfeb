"""Sign-in, sign-out, own password and the language switch."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from blueprints.auth.forms import LoginForm, PasswordForm
from blueprints.common import render, safe_next
from extensions import db
from services import accounts

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is None:
            # One message for an unknown user and a wrong password.
            error = _("Wrong username or password.")
        else:
            if session.get("locale") and not user.locale:
                accounts.set_locale(user, session["locale"])
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render("auth/login.html", form=form, error=error, status=401 if error else 200)


@bp.post("/logout")
def logout():
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
            accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.PasswordError:
            form.current.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render("auth/password.html", form=form)


@bp.post("/language/<locale>")
def set_language(locale: str):
    """Switch the language: saved on the account when signed in, else in the session."""
    user = current_user if current_user.is_authenticated else None
    if accounts.set_locale(user, locale):
        session["locale"] = locale
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
