"""Reading the year close's forms: the director's order, the last grade, the exceptions.

The exceptions come as parallel lists (ex_pupil, ex_kind, ex_note), one row each; blank rows
are left out. What is not an id, a known decision or a date is a YearCloseError naming its
field, so the page shows it next to the field and nothing changes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from blueprints.parse import to_id, to_int
from services.yearclose import EXCEPTIONS, YearCloseError

MAX_ROWS = 500  # exception rows in one post (a school's repeaters and leavers, not more)


@dataclass
class PlanInput:
    order_no: str = ""
    order_date: dt.date | None = None
    last_grade: int | None = None
    exceptions: dict[int, tuple[str, str]] = field(default_factory=dict)
    # What was typed, row by row, to show it again: (pupil id text, decision, note).
    rows: list[tuple[str, str, str]] = field(default_factory=list)


def _date(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise YearCloseError(_("Enter a date such as 2026-11-23."), "order_date") from None


def plan_input(form: MultiDict) -> PlanInput:
    """The plan's fields from a post. Raises YearCloseError (with the field) for bad input;
    the typed values stay on the error's `typed` attribute for the page."""
    typed = PlanInput(order_no=form.get("order_no", ""))
    pupils, kinds, notes = (form.getlist(k) for k in ("ex_pupil", "ex_kind", "ex_note"))
    typed.rows = [(p, k, n) for p, k, n in zip(pupils, kinds, notes, strict=False)
                  if p.strip() or k.strip() or n.strip()]
    try:
        typed.order_date = _date(form.get("order_date", ""))
        grade = form.get("last_grade", "").strip()
        typed.last_grade = to_int(grade, 1, 12) if grade else None
        if grade and typed.last_grade is None:
            raise YearCloseError(_("The last grade is a number from 1 to 12."), "last_grade")
        typed.exceptions = _exceptions(typed.rows)
    except YearCloseError as error:
        error.typed = typed
        raise
    return typed


def _exceptions(rows: list[tuple[str, str, str]]) -> dict[int, tuple[str, str]]:
    if len(rows) > MAX_ROWS:
        raise YearCloseError(_("Too many exceptions in one form: at most %(num)d.",
                               num=MAX_ROWS), "exceptions")
    out: dict[int, tuple[str, str]] = {}
    for raw_pupil, kind, note in rows:
        pupil = to_id(raw_pupil.strip())
        if pupil is None:
            raise YearCloseError(_("Choose the pupil of each exception from the list."),
                                 "exceptions")
        if kind not in EXCEPTIONS:
            raise YearCloseError(_("Choose what happens to each pupil listed."), "exceptions")
        if pupil in out:
            raise YearCloseError(_("A pupil is listed twice in the exceptions."), "exceptions")
        out[pupil] = (kind, note.strip())
    return out
