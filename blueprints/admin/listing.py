"""A grid's list: search, filters, sort and a page, read from the query string (so a filtered
list can be bookmarked) into two queries whatever the table's size: the page and the count.

Search folds case on both sides (Cyrillic and Kazakh letters too: SQLite's lower() folds
ASCII only, so SQLite gets tabel_fold(), registered in extensions.sqlite_pragmas).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, func, literal, or_, select

from blueprints.admin.grid import Col, Table
from blueprints.parse import to_id
from extensions import db
from models import Person


def fold(expr):
    """The SQL expression casefolded, on SQLite and PostgreSQL alike."""
    if db.engine.dialect.name == "sqlite":
        return func.tabel_fold(expr)
    return func.lower(expr)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass
class Listing:
    rows: list
    total: int
    page: int
    pages: int
    params: dict[str, str]  # the query string that made this list (without the page)
    sort: str
    filters: dict[str, Any] = field(default_factory=dict)

    def url_args(self, **change: Any) -> str:
        """The query string of this list with some arguments changed (None removes)."""
        args = {**self.params, **{k: v for k, v in change.items() if v is not None}}
        for k, v in change.items():
            if v is None:
                args.pop(k, None)
        return urlencode({k: v for k, v in args.items() if v not in ("", None)})


def column_sql(table: Table, col: Col):
    return col.sql() if col.sql is not None else getattr(table.model, col.name)


def base_query(table: Table, user):
    query = table.query() if table.query is not None else select(table.model)
    if table.query_filter is not None:
        query = query.where(table.query_filter())
    if table.scope is not None:
        clause = table.scope(user)
        if clause is not None:
            query = query.where(clause)
    return query


def filtered(table: Table, args, user) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """The table's query narrowed by the search and the filters in args; the arguments kept
    and the filter values, for the page to show them again."""
    query, params, values = base_query(table, user), {}, {}
    words = " ".join((args.get("q") or "").split())[:100]
    if words and table.search is not None:
        params["q"] = words
        exprs = [e if e is Person.search_name else fold(e) for e in table.search()]
        for word in words.casefold().split():
            query = query.where(or_(*(e.like(_like(word), escape="\\") for e in exprs)))
    for col in table.columns:
        clause = _filter_clause(table, col, args, params, values)
        if clause is not None:
            query = query.where(clause)
    return query, params, values


def _filter_clause(table: Table, col: Col, args, params: dict, values: dict):
    if col.filter is None:
        return None
    expr, key = column_sql(table, col), f"f_{col.name}"
    if col.filter == "bool":
        raw = args.get(key, "")
        if raw in ("yes", "no"):
            params[key] = values[col.name] = raw
            return expr.is_(True) if raw == "yes" else or_(expr.is_(False), expr.is_(None))
        return None
    if col.filter == "present":  # a date that is set ("left") or not
        raw = args.get(key, "")
        if raw in ("yes", "no"):
            params[key] = values[col.name] = raw
            return expr.is_not(None) if raw == "yes" else expr.is_(None)
        return None
    if col.filter == "date":
        clauses = []
        for end, op in (("from", expr.__ge__), ("to", expr.__le__)):
            raw = args.get(f"{key}_{end}", "")
            try:
                day = dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                day = None
            if day is not None:
                params[f"{key}_{end}"] = raw
                values[f"{col.name}_{end}"] = raw
                clauses.append(op(day))
        return and_(*clauses) if clauses else None
    raw = args.get(key, "")
    if raw == "":
        return None
    chosen = [k for k, _v in (table.options(col.choices) if col.choices else [])
              if str(k) == raw]
    if not chosen:
        return literal(False)  # an unknown choice finds nothing, never an error
    params[key] = values[col.name] = raw
    return expr == chosen[0]


def sort_clause(table: Table, args) -> tuple[list, str]:
    """ORDER BY from ?sort=name or ?sort=-name (a listed, sortable column), else the
    table's own order; the id last, so pages never overlap."""
    raw = args.get("sort", "")
    name = raw.lstrip("-")
    col = next((c for c in table.columns if c.name == name and c.sortable), None)
    if col is None:
        return [*table.order_by, table.model.id], ""
    exprs = col.sort() if col.sort is not None else (column_sql(table, col),)
    desc = raw.startswith("-")
    return [*(e.desc() if desc else e.asc() for e in exprs), table.model.id], raw


def listing(table: Table, args, user) -> Listing:
    """One page of the table as the query string asks: two queries (rows, count)."""
    query, params, values = filtered(table, args, user)
    order, sort = sort_clause(table, args)
    if sort:
        params["sort"] = sort
    total = db.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / table.page_size))
    page = min(max(1, to_id(args.get("page", "1")) or 1), pages)
    rows = list(db.session.scalars(query.order_by(*order).limit(table.page_size)
                                   .offset((page - 1) * table.page_size)).unique())
    return Listing(rows, total, page, pages, params, sort, values)


def all_rows(table: Table, args, user, limit: int = 20000) -> list:
    """Every row matching the search and filters, in the list's order (for an export)."""
    query, _params, _values = filtered(table, args, user)
    order, _sort = sort_clause(table, args)
    return list(db.session.scalars(query.order_by(*order).limit(limit)).unique())
