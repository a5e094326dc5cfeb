"""A declarative grid and form for the school's reference data.

A table is described in a few lines (model, columns with their kind and limits); the same
views list it, add rows, edit a row in place through htmx and delete rows that nothing uses.
Forms are built from the column list, so validation and the database constraints agree.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, SelectField, StringField, TimeField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from blueprints.parse import WholeField
from extensions import db


@dataclass(frozen=True)
class Col:
    """One editable column: kind is text, int, bool, time, decimal or choice."""

    name: str
    label: Any
    kind: str = "text"
    required: bool = True
    max_length: int = 100
    min: float | None = None
    max: float | None = None
    choices: Callable[[], list[tuple[Any, Any]]] | None = None
    display: Callable[[Any], str] | None = None
    # Turns the form's value into the clean value stored, once, on save; raises
    # ValueError with a translated message shown next to the field.
    clean: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Table:
    """A reference table edited through the grid."""

    key: str
    title: Any
    model: type
    columns: tuple[Col, ...]
    order_by: tuple = ()
    single: bool = False  # one row only (the school's settings): a form, no list
    query_filter: Callable[[], Any] | None = None
    defaults: Callable[[], dict] = field(default=dict)
    # A rule across rows (e.g. bells must not overlap): the row with the form's values in,
    # returns a translated message when refused, else None.
    check: Callable[[Any], str | None] | None = None

    def rows(self) -> list:
        query = db.select(self.model)
        if self.query_filter is not None:
            query = query.where(self.query_filter())
        return list(db.session.scalars(query.order_by(*self.order_by)))

    def form_class(self) -> type[FlaskForm]:
        """A WTForms form with one field per column and the column's limits."""
        attrs = {c.name: _field(c) for c in self.columns}
        return type(f"{self.model.__name__}GridForm", (FlaskForm,), attrs)

    def cell(self, row, col: Col) -> str:
        value = getattr(row, col.name)
        if col.display is not None:
            return col.display(value)
        if col.kind == "choice" and col.choices is not None:
            return str(dict(col.choices()).get(value, value if value is not None else "—"))
        if col.kind == "bool":
            return str(_l("yes") if value else _l("no"))
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        return "—" if value is None or value == "" else str(value)


def _field(col: Col):
    # InputRequired looks at what was typed: DataRequired would call "25:99" missing.
    presence = [InputRequired(message=_l("Fill in this field."))] if col.required \
        else [Optional()]
    validators = presence + ([_Clean(col.clean)] if col.clean else [])
    if col.kind == "text":
        return StringField(col.label, validators=validators + [Length(
            max=col.max_length, message=_l("At most %(max)d characters."))])
    if col.kind in ("int", "decimal"):
        limits = [NumberRange(min=col.min, max=col.max, message=_range_message(col))] \
            if col.min is not None or col.max is not None else []
        cls = WholeField if col.kind == "int" else _DecimalField
        return cls(col.label, validators=validators + limits)
    if col.kind == "bool":
        return BooleanField(col.label)
    if col.kind == "time":
        return _TimeField(col.label, validators=validators)
    if col.kind == "choice":
        return _ChoiceField(col.label, choices_fn=col.choices, required=col.required)
    raise ValueError(f"unknown column kind {col.kind}")


def _range_message(col: Col):
    if col.min is not None and col.max is not None:
        return _l("Enter a number from %(min)s to %(max)s.")
    return _l("Enter a number of at least %(min)s.") if col.min is not None else \
        _l("Enter a number of at most %(max)s.")


class _DecimalField(DecimalField):
    """A decimal with a point or a comma ("0,5" is how Russian and Kazakh write it)."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        if valuelist and valuelist[0] and not re.fullmatch(r"-?[0-9]{1,6}(\.[0-9]{1,6})?",
                                                            valuelist[0]):
            self.data = None
            raise ValueError(_l("Enter a number, such as 0.5."))
        super().process_formdata(valuelist)


class _TimeField(TimeField):
    """HH:MM from 00:00 to 23:59, with a message that says so."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            self.data = None
            return
        match = re.fullmatch(r"([0-9]{1,2})[:.]([0-9]{2})", text.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            self.data = None
            raise ValueError(_l("Enter the time as HH:MM, from 00:00 to 23:59."))
        self.data = dt.time(int(match[1]), int(match[2]))


class _Clean:
    """Runs a column's clean() on the typed value; its ValueError becomes the field's error."""

    def __init__(self, clean: Callable[[Any], Any]):
        self.clean = clean

    def __call__(self, form, field) -> None:
        if field.data is None or field.data == "":
            return
        try:
            field.data = self.clean(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class _ChoiceField(SelectField):
    """A select whose choices are computed per request (e.g. the list of teachers)."""

    def __init__(self, label=None, choices_fn=None, required=True, **kwargs):
        super().__init__(label, coerce=_coerce_choice, validate_choice=True, **kwargs)
        self._choices_fn = choices_fn
        self._required = required

    def _choices_now(self):
        options = [(str(k), v) for k, v in self._choices_fn()]
        return options if self._required else [("", "—")] + options

    def iter_choices(self):
        self.choices = self._choices_now()
        return super().iter_choices()

    def pre_validate(self, form):
        self.choices = self._choices_now()
        allowed = {k for k, _ in self.choices}
        if (str(self.data) if self.data is not None else "") not in allowed:
            raise ValidationError(_l("Choose a value from the list."))


def _coerce_choice(value):
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if re.fullmatch(r"-?[0-9]{1,18}", text) else text
