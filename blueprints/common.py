"""Helpers every blueprint uses: htmx-aware rendering, loading objects, answering errors."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from extensions import db

T = TypeVar("T")


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not a history restore)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(template: str, block: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render a page, or only its named block when htmx asks for a fragment."""
    if block and is_htmx():
        tmpl = current_app.jinja_env.get_or_select_template(template)
        ctx = tmpl.new_context(_template_context(context))
        body = "".join(tmpl.blocks[block](ctx))
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def _template_context(context: dict) -> dict:
    merged = dict(context)
    current_app.update_template_context(merged)
    return merged


def htmx_redirect(url: str) -> Response:
    """Send htmx to a whole new page (e.g. the sign-in page after the session expired)."""
    response = make_response("", 200 if is_htmx() else 303)
    if is_htmx():
        response.headers["HX-Redirect"] = url
    else:
        response.headers["Location"] = url
    return response


def load_or_404(model: type[T], object_id: int, may: Callable[[Any, T], bool] | None = None) -> T:
    """Load an object, or answer 404 if it is missing or the user may not know it exists."""
    obj = db.session.get(model, object_id)
    if obj is None or (may is not None and not may(current_user, obj)):
        abort(404)
    return obj


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after a form, or None (never another site)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def refuse(form, error) -> None:
    """A service's refusal (an error with .message and .field) shown next to its field, or
    above the form when it names none; the transaction's changes are dropped. A field
    "teacher" is found as the form's "teacher_id" too."""
    db.session.rollback()
    field = getattr(error, "field", None)
    name = next((n for n in (field, f"{field}_id") if n and n in form), None) if field else None
    if name is None:
        form.form_errors.append(error.message)
    else:
        form[name].errors = [*form[name].errors, error.message]


def require(allowed: bool) -> None:
    """Answer 403 when a known object's action is not allowed for this user."""
    if not allowed:
        abort(403)



def render_error(error: Exception) -> tuple[str, int]:
    """A friendly error page in the user's language; a short message for htmx requests."""
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if code == 500:
        db.session.rollback()
    titles = {
        400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"),
        405: _("Not allowed"), 413: _("File too large"), 500: _("Something went wrong"),
    }
    texts = {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to do this."),
        404: _("There is no such page, or it is not available to you."),
        405: _("This action cannot be done this way."),
        413: _("The file you sent is too large."),
        500: _("The error has been recorded. Please try again later."),
    }
    if getattr(error, "description", "") and "CSRF" in str(error.description):
        texts[400] = _("The form has expired. Reload the page and try again.")
    title, text = titles.get(code, titles[500]), texts.get(code, texts[500])
    request_id = g.get("request_id", "")
    if is_htmx():
        return render_template("errors/fragment.html", title=title, text=text, code=code,
                               request_id=request_id), code
    user = current_user if current_user and current_user.is_authenticated else None
    return render_template("errors/error.html", title=title, text=text, code=code,
                           user=user, request_id=request_id), code
