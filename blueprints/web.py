"""Cross-cutting web concerns: sign-in gate, locale, security headers, errors, Jinja globals."""
from __future__ import annotations

import re

from flask import Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import format_date, format_datetime, get_locale, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy import event

from blueprints import assets
from blueprints.common import htmx_redirect, is_htmx, render_error
from blueprints.parse import IdConverter, to_id
from extensions import db, login_manager, postgresql_utc, sqlite_pragmas
from models import User
from services import accounts, clock, policy, settings_cache, setup, transactions
from services.accounts import sessions

# Deny by default: only these endpoints are open to anonymous visitors.
PUBLIC_ENDPOINTS = frozenset(
    {"auth.login", "auth.set_language", "auth.first_run", "static", "assets.file",
     "home.health", "diary.public_service_worker"}
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)


def init_web(app: Flask) -> None:
    """Wire the request hooks, error pages and template globals into the app."""
    # Before any blueprint adds its rules: <int:id> parts are database-sized ASCII ids.
    app.url_map.converters["int"] = IdConverter
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    # Forget the locale chosen for an earlier request of the same app context (tests, CLI).
    app.before_request(refresh)
    app.before_request(transactions.start_request)
    app.before_request(_require_login)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, render_error)
    app.register_blueprint(assets.bp)
    app.jinja_env.globals.update(policy=policy, asset=assets.asset_url, get_locale=get_locale,
                                 demo_school=lambda: bool(settings_cache.school_value("is_demo")))
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["rich_text"] = rich_text
    # Stored instants are UTC; shown in the school's time zone (Babel's timezone selector).
    app.jinja_env.filters["datetime"] = lambda d, fmt="short": format_datetime(d, fmt) if d else ""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", sqlite_pragmas)
            event.listen(db.engine, "begin", transactions.begin)
        elif db.engine.dialect.name == "postgresql":
            event.listen(db.engine, "connect", postgresql_utc)


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def rich_text(text: str | None) -> Markup:
    """A teacher's text, escaped, with its http(s) links made clickable; line breaks stay
    (the element shows them with class pre-line). Nothing else becomes markup."""
    out, pos = [], 0
    text = text or ""
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)»\"'")
        out.append(escape(text[pos:match.start()]))
        out.append(Markup('<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}'
                          '</a>').format(url))
        pos = match.start() + len(url)
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _load_user(user_id: str) -> User | None:
    """The signed-in user of a session or remember-me cookie ("id.version.token"), with the
    staff record in the same query; None when the browser's session has ended (signed out,
    idle too long) or the version is old (signed out everywhere, password changed, account
    reset or disabled) or when the account's access has ended today."""
    raw_id, raw_version, token = (user_id.split(".", 2) + ["", ""])[:3]
    found, version = to_id(raw_id), to_id(raw_version)
    if found is None or version is None or not token:
        return None
    loaded = sessions.load(found, version, token)
    if loaded is None:
        return None
    user, staff, remember = loaded
    if not sessions.still_fresh(session, remember,
                                activity=request.endpoint not in sessions.BACKGROUND_ENDPOINTS):
        return None
    policy.forget(user)
    policy.know_staff(user, staff)
    if not accounts.may_sign_in(user, clock.today(), staff).ok:
        return None
    return user


def _unauthorized():
    if is_htmx():
        return htmx_redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


# What a user who must change a one-time password may still open.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.password", "auth.logout", "auth.set_language",
                                       "static", "assets.file", "home.health"})


def _require_login():
    if request.endpoint == "auth.login" and settings_cache.school_value("id") is None \
            and not setup.has_school():
        return redirect(url_for("auth.first_run"))  # a new school's first page
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return _unauthorized()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return htmx_redirect(url_for("auth.password"))
    return None


def select_locale() -> str:
    """The user's saved choice, then the session, then the browser, then Russian (the
    command line has no request: Russian)."""
    if not has_request_context():
        return "ru"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    if session.get("locale") in ("ru", "kk"):
        return session["locale"]
    return request.accept_languages.best_match(("ru", "kk")) or "ru"


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if current_user and current_user.is_authenticated and "Cache-Control" not in response.headers:
        # Journal pages hold personal data: never let a shared cache keep them.
        response.headers["Cache-Control"] = "private, no-store"
    if request.headers.get("HX-Request"):
        response.vary.add("HX-Request")
    _refusal_as_200(response)
    return response


def _refusal_as_200(response) -> None:
    """A form refused (422), in conflict (409) or a sign-in refused (401, the login page
    again) answers 200 with the form and its errors, and the real status in
    X-Refused-Status: browsers log every 4xx answer, a page or an htmx request, as a console
    error, and a teacher's typo is not an error of the page."""
    if response.status_code in (409, 422) or (
            response.status_code == 401 and request.endpoint == "auth.login"):
        response.headers["X-Refused-Status"] = str(response.status_code)
        response.status_code = 200


def _csrf_error(error: CSRFError):
    g.csrf_failed = True
    return render_error(error)
