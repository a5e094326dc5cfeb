"""The journal administrator's reference data, all through one declarative grid."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints.admin.grid import Table
from blueprints.admin.tables import TABLES
from blueprints.common import is_htmx, render, require
from extensions import db
from models import AuditEvent
from services import clock, policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_the_administrator():
    require(policy.can_manage_school(current_user))


def _table(key: str) -> Table:
    table = TABLES.get(key)
    if table is None:
        abort(404)
    return table


def _row(table: Table, row_id: int):
    row = db.session.get(table.model, row_id)
    if row is None or (table.query_filter is not None and row not in table.rows()):
        abort(404)
    return row


@bp.get("/")
def index():
    return render("admin/index.html", tables=TABLES.values())


@bp.get("/<key>")
def grid(key: str):
    table = _table(key)
    if table.single:
        return redirect(url_for("admin.settings"))
    return render("admin/grid.html", table=table, rows=table.rows(),
                  new_form=table.form_class()(formdata=None))


@bp.get("/<key>/<int:row_id>/edit")
def edit_row(key: str, row_id: int):
    table = _table(key)
    row = _row(table, row_id)
    form = table.form_class()(obj=row)
    if is_htmx():
        return render_template("admin/_edit_row.html", table=table, row=row, form=form)
    return render("admin/edit.html", table=table, row=row, form=form)


@bp.post("/<key>/<int:row_id>")
def save_row(key: str, row_id: int):
    table = _table(key)
    row = _row(table, row_id)
    form = table.form_class()()
    if form.validate() and _store(table, row, form):
        db.session.commit()
        if is_htmx():
            return render_template("admin/_row.html", table=table, row=row)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.grid", key=key))
    if is_htmx():
        return render_template("admin/_edit_row.html", table=table, row=row, form=form), 422
    return render("admin/edit.html", table=table, row=row, form=form, status=422)


@bp.post("/<key>/new")
def add_row(key: str):
    table = _table(key)
    require(not table.single)
    form = table.form_class()()
    row = table.model(**table.defaults())
    if form.validate() and _store(table, row, form, new=True):
        db.session.commit()
        flash(_("Added."), "success")
        return redirect(url_for("admin.grid", key=key))
    return render("admin/grid.html", table=table, rows=table.rows(), new_form=form, status=422)


@bp.route("/<key>/<int:row_id>/delete", methods=["GET", "POST"])
def delete_row(key: str, row_id: int):
    """Ask first (a page, or the row itself under htmx); delete on the confirming POST."""
    table = _table(key)
    require(not table.single)
    row = _row(table, row_id)
    if request.method == "GET" or request.form.get("confirm") != "yes":
        if is_htmx():
            return render_template("admin/_confirm_delete.html", table=table, row=row)
        return render("admin/confirm_delete.html", table=table, row=row)
    try:
        db.session.delete(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        flash(_("This row is in use elsewhere in the journal and cannot be deleted."), "error")
    else:
        _audit(table, row_id, "delete")
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("admin.grid", key=key))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    table = TABLES["settings"]
    row = table.rows()[0] if table.rows() else abort(404)
    form = table.form_class()(obj=row)
    if form.is_submitted() and form.validate() and _store(table, row, form):
        db.session.commit()
        clock.forget_zone()
        flash(_("The school settings have been saved."), "success")
        return redirect(url_for("admin.settings"))
    status = 422 if form.errors else 200
    return render("admin/edit.html", table=table, row=row, form=form, status=status)


def _store(table: Table, row, form, new: bool = False) -> bool:
    """Copy the form onto the row; a constraint the form could not see becomes a form error."""
    old = {c.name: getattr(row, c.name, None) for c in table.columns}
    for col in table.columns:
        value = form[col.name].data
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, str):
            value = value.strip()
        setattr(row, col.name, value)
    with db.session.no_autoflush:
        refused = table.check(row) if table.check else None
    if refused:
        db.session.rollback()
        form.form_errors.append(refused)
        return False
    try:
        if new:
            db.session.add(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(_(
            "These values clash with another row or break a rule of the table "
            "(for example a duplicate code, or an end before the start)."))
        return False
    _audit(table, row.id, "create" if new else "update", old)
    return True


def _audit(table: Table, row_id: int, action: str, old: dict | None = None) -> None:
    db.session.add(AuditEvent(user_id=current_user.id, action=f"admin.{action}",
                              object_type=table.key, object_id=row_id,
                              old=repr(old) if old else ""))
