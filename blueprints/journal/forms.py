"""Parsing the journal's small posts (one cell, one column, one period mark) into plain values.

The grid posts through htmx many times a minute, so these are plain functions over
request.form rather than WTForms classes; CSRF is checked app-wide (the X-CSRFToken header,
or the csrf_token field of a plain form). Each raises FormError with a translated message.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from blueprints.parse import to_id, to_int

MAX_TEXT = 20
MAX_COMMENT = 200


class FormError(ValueError):
    """A post the journal cannot understand."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        self.status = 422


def incomplete() -> str:
    return _("The request is incomplete: reload the page and try again.")


def an_id(form: MultiDict, name: str) -> int:
    """A required id field; FormError when missing or not an id."""
    found = to_id(form.get(name, ""))
    if found is None:
        raise FormError(incomplete())
    return found


def _text(form: MultiDict, name: str, limit: int = MAX_TEXT) -> str | None:
    raw = form.get(name)
    if raw is not None and len(raw) > limit:
        if limit == MAX_COMMENT:
            raise FormError(_("The comment is too long: at most %(n)d characters (now %(now)d).",
                              n=limit, now=len(raw)))
        raise FormError(_("That is too long for a journal cell."))
    return raw


def column_index(form: MultiDict) -> int:
    """Which child of a row the acted-on column is (the grid sends it; 0 when absent)."""
    return to_int(form.get("col", "0"), 0, 1000) or 0


@dataclass
class CellPost:
    pupil_id: int
    text: str
    old: str | None
    comment: str | None


def cell_post(form: MultiDict) -> CellPost:
    """pupil, value, old (what the page showed), comment (optional)."""
    return CellPost(an_id(form, "pupil"), _text(form, "value") or "", _text(form, "old"),
                    _text(form, "comment", MAX_COMMENT))


def absent_ids(form: MultiDict) -> list[int]:
    """The pupils listed absent in an attendance post (absent=1&absent=2...)."""
    out = []
    for raw in form.getlist("absent"):
        found = to_id(raw)
        if found is None:
            raise FormError(incomplete())
        out.append(found)
    return out


def fill_value(form: MultiDict) -> int:
    value = to_int(form.get("value", ""), 1, 10)
    if value is None:
        raise FormError(incomplete())
    return value


def work_type_id(form: MultiDict) -> int | None:
    """The chosen work type, or None for "the school's default" (an empty value)."""
    if form.get("work_type", "") == "":
        return None
    return an_id(form, "work_type")


@dataclass
class FinalPost:
    pupil_id: int
    kind: str
    period_id: int
    text: str
    old: str | None
    notice: tuple[bool, dt.date | None] | None
    reason: str | None = None  # criteria-based: why another mark than the computed one


def reason_of(form: MultiDict, name: str = "reason") -> str | None:
    """The teacher's reason for another mark than the computed one (at most 300 characters:
    longer is refused, never cut)."""
    from services.entries.finals import REASON_MAX
    raw = form.get(name)
    if raw is not None and len(raw.strip()) > REASON_MAX:
        raise FormError(_("The reason is at most %(n)d characters.", n=REASON_MAX))
    return raw.strip() if raw is not None else None


def notice_of(form: MultiDict, prefix: str = "") -> tuple[bool, dt.date | None] | None:
    """The answer to "were the parents told?": told=yes|no, told_on=YYYY-MM-DD."""
    answer = form.get(prefix + "told")
    if answer not in ("yes", "no"):
        return None
    if answer == "no":
        return (False, None)
    try:
        return (True, dt.date.fromisoformat(form.get(prefix + "told_on", "")))
    except ValueError:
        raise FormError(_("Give the date the parents were told.")) from None


def final_post(form: MultiDict) -> FinalPost:
    """pupil, kind (period|year), period, value, old, told (yes|no), told_on (YYYY-MM-DD),
    reason (criteria-based classes)."""
    kind = form.get("kind", "period")
    if kind not in ("period", "year"):
        raise FormError(incomplete())
    return FinalPost(an_id(form, "pupil"), kind, an_id(form, "period"),
                     _text(form, "value") or "", _text(form, "old"), notice_of(form),
                     reason_of(form))
