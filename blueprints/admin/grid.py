"""A declarative grid and form for the school's reference data.

A table is described in a few lines (model, columns with their kind and limits); the same
views list it, add rows, edit a row in place through htmx and delete rows that nothing uses.
Forms are built from the column list, so validation and the database constraints agree.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

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
    presence = [InputRequired() if col.kind in ("int", "decimal") else DataRequired()] \
        if col.required else [Optional()]
    if col.kind == "text":
        return StringField(col.label, validators=presence + [Length(max=col.max_length)])
    if col.kind in ("int", "decimal"):
        limits = [NumberRange(min=col.min, max=col.max)] if col.min is not None or \
            col.max is not None else []
        cls = IntegerField if col.kind == "int" else DecimalField
        return cls(col.label, validators=presence + limits)
    if col.kind == "bool":
        return BooleanField(col.label)
    if col.kind == "time":
        return TimeField(col.label, validators=presence)
    if col.kind == "choice":
        return _ChoiceField(col.label, choices_fn=col.choices, required=col.required)
    raise ValueError(f"unknown column kind {col.kind}")


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
            raise ValidationError(self.gettext("Not a valid choice."))


def _coerce_choice(value):
    if value in (None, ""):
        return None
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text
