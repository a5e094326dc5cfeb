"""Parsing the journal's small posts (one cell, one column, one period mark) into plain values.

The grid posts with fetch from static/js/journal.js, many times a minute, so these are plain
functions over request.form rather than WTForms classes; CSRF is checked app-wide from the
X-CSRFToken header. Each raises FormError with a translated message.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

MAX_TEXT = 20
MAX_COMMENT = 200


class FormError(ValueError):
    """A post the journal cannot understand."""


def _int(form: MultiDict, name: str) -> int:
    raw = form.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        raise FormError(_("The request is incomplete: reload the page and try again."))
    return int(raw)


def _text(form: MultiDict, name: str, limit: int = MAX_TEXT) -> str | None:
    raw = form.get(name)
    if raw is not None and len(raw) > limit:
        raise FormError(_("That is too long for a journal cell."))
    return raw


@dataclass
class CellPost:
    pupil_id: int
    text: str
    old: str | None
    comment: str | None


def cell_post(form: MultiDict) -> CellPost:
    """pupil, value, old (what the page showed), comment (optional)."""
    return CellPost(_int(form, "pupil"), _text(form, "value") or "", _text(form, "old"),
                    _text(form, "comment", MAX_COMMENT))


def absent_ids(form: MultiDict) -> list[int]:
    """The pupils listed absent in an attendance post (absent=1&absent=2...)."""
    out = []
    for raw in form.getlist("absent"):
        if not raw.isdigit() or len(raw) > 12:
            raise FormError(_("The request is incomplete: reload the page and try again."))
        out.append(int(raw))
    return out


def fill_value(form: MultiDict) -> int:
    return _int(form, "value")


def work_type_id(form: MultiDict) -> int:
    return _int(form, "work_type")


@dataclass
class FinalPost:
    pupil_id: int
    kind: str
    period_id: int
    text: str
    old: str | None
    notice: tuple[bool, dt.date | None] | None


def final_post(form: MultiDict) -> FinalPost:
    """pupil, kind (period|year), period, value, old, told (yes|no), told_on (YYYY-MM-DD)."""
    kind = form.get("kind", "period")
    if kind not in ("period", "year"):
        raise FormError(_("The request is incomplete: reload the page and try again."))
    notice = None
    if form.get("told") in ("yes", "no"):
        told = form["told"] == "yes"
        when = None
        if told:
            try:
                when = dt.date.fromisoformat(form.get("told_on", ""))
            except ValueError:
                raise FormError(_("Give the date the parents were told.")) from None
        notice = (told, when)
    return FinalPost(_int(form, "pupil"), kind, _int(form, "period"), _text(form, "value") or "",
                     _text(form, "old"), notice)
