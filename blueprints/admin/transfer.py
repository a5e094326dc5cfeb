"""A grid's export (XLSX, CSV) and import (CSV, XLSX) with a preview.

An import is read and checked row by row through the table's own form (the same limits and
messages as typing), each row found again by the table's import key: the preview says which
rows would be created, changed, left unchanged or refused, with the row number and the
reason, before anything is written. Nothing is written while a row is refused, and a second
import of the same file changes nothing. The preview waits in instance/imports for the
confirmation (services.imports), tied to the user who made it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from blueprints.admin.grid import Col, Table
from extensions import db
from services.imports import Plan, PlannedRow
from services.tabular import cell_text

MAX_ROWS = 5000


def export_rows(table: Table, rows: list) -> tuple[list[str], list[list[object]]]:
    """The listed columns as they read on screen, ready for write_xlsx / write_csv."""
    cols = [c for c in table.columns if c.listed]
    headers = [str(c.label) for c in cols]
    return headers, [[_export_value(table, row, c) for c in cols] for row in rows]


def _export_value(table: Table, row, col: Col) -> object:
    value = table.value(row, col)
    if col.kind in ("int", "decimal") and value is not None:
        return value
    return table.cell(row, col) if value not in (None, "") else ""


def header_map(table: Table, header: list[object]) -> dict[int, Col]:
    """Which column of the file is which column of the table: by label (in the user's
    language, as the export writes it) or by name."""
    names = {}
    for col in table.editable_columns():
        names[str(col.label).strip().casefold()] = col
        names[col.name.casefold()] = col
    return {i: names[cell_text(h).casefold()] for i, h in enumerate(header)
            if cell_text(h).casefold() in names}


def plan_import(table: Table, cells: list[list[object]], filename: str = "") -> Plan:
    """Check every row of the file; write nothing."""
    cells = [r for r in cells if any(cell_text(c) for c in r)]
    if not cells:
        return Plan(table.key, [], filename)
    columns = header_map(table, cells[0])
    missing = [c for c in table.editable_columns() if c.required and c not in columns.values()]
    if missing:
        reason = _("The file has no column “%(name)s”.", name=str(missing[0].label))
        return Plan(table.key, [PlannedRow(1, "refused", reason=reason)], filename)
    planned, seen = [], set()
    for number, raw in enumerate(cells[1:MAX_ROWS + 1], start=2):
        values = {col.name: cell_text(raw[i]) if i < len(raw) else ""
                  for i, col in columns.items()}
        planned.append(_plan_row(table, number, values, seen))
    return Plan(table.key, planned, filename)


def _plan_row(table: Table, number: int, values: dict[str, str], seen: set) -> PlannedRow:
    form = table.form_class()(formdata=MultiDict(_as_form(table, values)), meta={"csrf": False})
    if not form.validate():
        reason = "; ".join(f"{form[n].label.text}: {' '.join(map(str, errs))}"
                           for n, errs in form.errors.items())
        return PlannedRow(number, "refused", values, reason)
    data = {c.name: form[c.name].data for c in table.editable_columns()}
    key = tuple(str(data.get(k)) for k in table.import_key)
    if key in seen:
        return PlannedRow(number, "refused", values, _("The same row is earlier in the file."))
    seen.add(key)
    existing = _find(table, data)
    if existing is None:
        return PlannedRow(number, "create", _json(data))
    changes = [(str(c.label), table.cell(existing, c), _shown(c, data[c.name]))
               for c in table.editable_columns() if _differs(table.value(existing, c),
                                                             data[c.name])]
    return PlannedRow(number, "change" if changes else "same", _json(data), row_id=existing.id,
                      changes=changes)


def _as_form(table: Table, values: dict[str, str]) -> dict[str, str]:
    """A file's cells as the form expects them: choice labels back to their keys, dates
    written 23.11.2026 as 2026-11-23, yes/no for booleans."""
    out = {}
    for col in table.editable_columns():
        text = values.get(col.name, "")
        if col.kind == "choice" and col.choices is not None:
            by_label = {str(label).casefold(): str(key) for key, label in Table.options(col.choices)}
            text = by_label.get(text.casefold(), text)
        elif col.kind == "date" and len(text) == 10 and text[2] == "." and text[5] == ".":
            text = f"{text[6:]}-{text[3:5]}-{text[:2]}"
        elif col.kind == "bool":
            text = "y" if text.casefold() in ("1", "y", "yes", "да", "иә", "true", "x") else ""
        if text or col.kind != "bool":
            out[col.name] = text
    return out


def _find(table: Table, data: dict[str, Any]):
    """The row the import key finds (in the table's own rows), or None."""
    if not table.import_key:
        return None
    query = table.query() if table.query is not None else select(table.model)
    if table.query_filter is not None:
        query = query.where(table.query_filter())
    for name in table.import_key:
        col = next(c for c in table.columns if c.name == name)
        expr = col.sql() if col.sql is not None else getattr(table.model, name)
        query = query.where(expr == data[name])
    return db.session.scalars(query.limit(1)).first()


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        return old is None or new is None or abs(float(old) - float(new)) > 1e-9
    return (old if old != "" else None) != (new if new != "" else None)


def _shown(col: Col, value: Any) -> str:
    if col.kind == "choice" and col.choices is not None:
        return str(dict(Table.options(col.choices)).get(value, value))
    return "—" if value in (None, "") else str(value)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else
                float(v) if type(v).__name__ == "Decimal" else v) for k, v in data.items()}


def form_data(table: Table, row: PlannedRow) -> MultiDict:
    """A planned row as the form's data again (for the store step)."""
    return MultiDict(_as_form(table, {k: "" if v is None else str(v)
                                      for k, v in row.values.items()}))
