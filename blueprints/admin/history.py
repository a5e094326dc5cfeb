"""A row's history as a person reads it: the field's label instead of its column name, a
class's name instead of its id, "female" instead of "f". The audit trail keeps the raw values
(services.audit); this only dresses them for the page, in the reader's language."""
from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from blueprints.admin.grid import Table
from blueprints.people.forms import MEDICAL_CHOICES, REASON_CHOICES, RELATION_CHOICES
from extensions import db
from models import SchoolClass
from services.audit import Change

# Fields the cards change beyond a table's own columns (services/people, services/accounts).
_LABELS = {
    "last_name": _l("Last name"), "first_name": _l("First name"),
    "patronymic": _l("Patronymic"), "sex": _l("Sex"), "birth_date": _l("Birth date"),
    "phone": _l("Phone"), "email": _l("E-mail"), "address": _l("Address"),
    "class_id": _l("Class"), "enrolled_on": _l("Arrived"), "left_on": _l("Left"),
    "notes": _l("Notes"), "medical_group": _l("PE medical group"),
    "medical_notes": _l("Medical notes"), "order_no": _l("Order number"),
    "reason": _l("Why"), "position": _l("Position"), "hired_on": _l("Started work"),
    "roles": _l("Roles"), "relation": _l("Relation"), "role": _l("Role"),
    "username": _l("Login"),
}
_CODES = {
    "sex": lambda: [("f", _l("female")), ("m", _l("male"))],
    "medical_group": lambda: MEDICAL_CHOICES, "reason": lambda: REASON_CHOICES,
    "relation": lambda: RELATION_CHOICES,
}


def readable(table: Table, changes: list[Change]) -> list[Change]:
    """The changes with labels and readable values (one query for the classes named)."""
    labels = {**_LABELS, **{c.name: c.label for c in table.columns}}
    class_ids = {v for c in changes for name, *values in c.fields if name == "class_id"
                 for v in values if isinstance(v, int)}
    classes = {c.id: f"{c.name} ({c.year.name})" for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_(class_ids)))} if class_ids else {}
    return [replace(c, fields=[(str(labels.get(n, n)), _value(n, old, classes),
                                _value(n, new, classes)) for n, old, new in c.fields])
            for c in changes]


def field_label(name: str) -> str:
    """A changed field's label in the reader's language ("" for a journal cell's text)."""
    return str(_LABELS.get(name, name))


def changes_text(fields: list[tuple[str, object, object]], side: int) -> str:
    """The old (side 1) or new (side 2) values of a row's fields as one line of text."""
    return "; ".join(f"{field_label(f[0])}: {_shown(f[0], f[side])}" if f[0]
                     else _shown(f[0], f[side]) for f in fields)


def _shown(name: str, value) -> str:
    value = _value(name, value, {})
    return "—" if value in (None, "") else str(value)


def _value(name: str, value, classes: dict[int, str]):
    if value in (None, ""):
        return value
    if name == "class_id":
        return classes.get(value, value)
    if name in _CODES:
        return str(dict(_CODES[name]()).get(value, value))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:]}.{value[5:7]}.{value[:4]}"  # an ISO date as the school writes it
    return value
