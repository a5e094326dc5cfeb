"""The declarative grid the back office is built from (issue 15).

A table is described in a few lines (model, columns with their kind and limits, who may use
it); the same views list it with search, filters, sorting and pages, add rows, edit a row in
place through htmx, delete rows that nothing uses (after asking), act on selected rows,
export to XLSX and CSV, import with a preview, and show a row's history from the audit trail.
Forms are built from the column list, so validation and the database constraints agree.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from blueprints.parse import DayField, MaxChars, WholeField
from extensions import db


@dataclass(frozen=True)
class Col:
    """One column: kind is text, longtext (several lines), int, bool, time, date, decimal or
    choice.

    By default the column is the model's attribute `name`; `get`/`put` read and write it
    elsewhere (a staff row's last name is on its person), and `sql` is the expression to
    sort and filter by (`sort`, when sorting needs other expressions). `filter` makes a filter of it ("choice", "date" range or "bool").
    """

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
    get: Callable[[Any], Any] | None = None
    put: Callable[[Any, Any], None] | None = None
    sql: Callable[[], Any] | None = None
    # The expressions to sort by when they are not `sql` (a class sorts by grade and letter,
    # and filters by its id).
    sort: Callable[[], tuple] | None = None
    editable: bool = True
    listed: bool = True
    sortable: bool = True
    filter: str | None = None


@dataclass(frozen=True)
class Access:
    """Who may do what with a table, by role ("class_teacher": a teacher leading a class).
    services.policy.can_table answers with it."""

    list: tuple[str, ...] = ("admin",)
    edit: tuple[str, ...] = ("admin",)
    export: tuple[str, ...] = ("admin",)
    import_: tuple[str, ...] = ("admin",)
    history: tuple[str, ...] = ("admin",)


@dataclass(frozen=True)
class Bulk:
    """An action on the selected rows; `choices` gives the value it needs (e.g. a class),
    `run(user, rows, value)` does it and returns how many rows changed (raises ValueError
    with a translated message to refuse)."""

    name: str
    label: Any
    run: Callable[[Any, list, Any], int]
    choices: Callable[[], list[tuple[Any, Any]]] | None = None
    roles: tuple[str, ...] = ("admin",)


@dataclass(frozen=True)
class Table:
    """A table of the back office, listed, searched, edited, exported, imported through
    the grid."""

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
    # What follows a saved, deleted or imported row in the same transaction (the journal's
    # lessons follow the calendar): gets the row, or None after an import of many.
    after_change: Callable[[Any], None] | None = None
    # Why a row may not be deleted (a closed year's period), translated; None: it may.
    delete_refusal: Callable[[Any], str | None] | None = None
    access: Access = field(default_factory=Access)
    # The base query (joins, eager loads) when the list is more than select(model).
    query: Callable[[], Any] | None = None
    # Rows of the list a user may see beyond the table's access (a class teacher: their
    # class), from services.policy; None: every row.
    scope: Callable[[Any], Any] | None = None
    # The words a search looks in: SQL expressions, casefolded when compared (Person.search_name
    # is stored casefolded and compared as it is: folding it again per row costs a Python call).
    search: Callable[[], list[Any]] | None = None
    # The columns that find an imported row again (a second import changes nothing).
    import_key: tuple[str, ...] = ()
    importer: Any = None  # an object with headers(), plan(rows) and apply(user, plan)
    bulk: tuple[Bulk, ...] = ()
    # A full card page for a row, and the page that makes a new one; without them rows are
    # added and edited in the grid itself.
    card_url: Callable[[Any], str] | None = None
    new_url: Callable[[], str] | None = None
    audit_type: str | None = None  # the object_type of the row's audit rows (default: key)
    page_size: int = 50
    deletable: bool = True
    addable: bool = True

    @property
    def importable(self) -> bool:
        """A file can be imported when its rows can be found again (a second import must
        change nothing): an importer of its own, or an import key."""
        return self.importer is not None or bool(self.import_key)

    @property
    def history_type(self) -> str:
        return self.audit_type or self.key

    def rows(self) -> list:
        query = db.select(self.model)
        if self.query_filter is not None:
            query = query.where(self.query_filter())
        return list(db.session.scalars(query.order_by(*self.order_by)))

    def editable_columns(self) -> tuple[Col, ...]:
        return tuple(c for c in self.columns if c.editable)

    def form_class(self) -> type[FlaskForm]:
        """A WTForms form with one field per editable column and the column's limits."""
        attrs = {c.name: _field(c) for c in self.editable_columns()}
        return type(f"{self.model.__name__}GridForm", (FlaskForm,), attrs)

    def value(self, row, col: Col) -> Any:
        return col.get(row) if col.get is not None else getattr(row, col.name, None)

    def values(self, row) -> dict[str, Any]:
        """The row as the form shows it."""
        return {c.name: self.value(row, c) for c in self.editable_columns()}

    def put(self, row, col: Col, value: Any) -> None:
        if col.put is not None:
            col.put(row, value)
        else:
            setattr(row, col.name, value)

    @staticmethod
    def options(choices: Callable[[], list]) -> list[tuple[Any, Any]]:
        """What a choices function gives, asked once per request (a class list is a query:
        a page of 50 rows, its filter and its bulk action must not ask it 52 times)."""
        memo = g.setdefault("grid_choices", {})
        if choices not in memo:
            memo[choices] = list(choices())
        return memo[choices]

    @staticmethod
    def choice_names(col: Col) -> dict:
        memo = g.setdefault("grid_choice_names", {})
        if col.choices not in memo:
            memo[col.choices] = dict(Table.options(col.choices))
        return memo[col.choices]

    def cell(self, row, col: Col) -> str:
        value = self.value(row, col)
        if col.display is not None:
            return col.display(value)
        if col.kind == "choice" and col.choices is not None:
            return str(self.choice_names(col).get(value, value if value is not None else "—"))
        if col.kind == "bool":
            return str(_l("yes") if value else _l("no"))
        if isinstance(value, dt.time):
            return value.strftime("%H:%M")
        if isinstance(value, dt.date):
            return value.strftime("%d.%m.%Y")
        return "—" if value is None or value == "" else str(value)


def _field(col: Col):
    # InputRequired looks at what was typed: DataRequired would call "25:99" missing.
    presence = [InputRequired(message=_l("Fill in this field."))] if col.required \
        else [Optional()]
    validators = presence + ([_Clean(col.clean)] if col.clean else [])
    if col.kind == "text":
        return StringField(col.label, validators=validators + [Length(
            max=col.max_length, message=_l("At most %(max)d characters."))])
    if col.kind == "longtext":
        # Refused when too long, never cut: a browser cuts a long paste at maxlength.
        return TextAreaField(col.label, render_kw={"data-max": col.max_length, "rows": 6},
                             validators=validators + [MaxChars(col.max_length, _l(
                                 "At most %(max)d characters (now %(now)d)."))])
    if col.kind in ("int", "decimal"):
        limits = [NumberRange(min=col.min, max=col.max, message=_range_message(col))] \
            if col.min is not None or col.max is not None else []
        cls = WholeField if col.kind == "int" else _DecimalField
        return cls(col.label, validators=validators + limits)
    if col.kind == "bool":
        return BooleanField(col.label)
    if col.kind == "time":
        return _TimeField(col.label, validators=validators)
    if col.kind == "date":
        return DayField(col.label, validators=validators)
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
