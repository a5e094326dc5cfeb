"""The back office's grids: every table of blueprints/admin/tables.py and people_tables.py
through the same views. Who may list, edit, import and export a table is declared with it and
answered by services.policy.can_table; a row outside what the user may see is a 404."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from blueprints.admin import listing as lists
from blueprints.admin import transfer
from blueprints.admin.grid import Table
from blueprints.admin.history import readable
from blueprints.admin.people_tables import PEOPLE_TABLES
from blueprints.admin.tables import TABLES as REFERENCE_TABLES
from blueprints.common import is_htmx, render, require
from blueprints.parse import to_id
from extensions import db
from services import audit, clock, imports, policy
from services.tabular import TableFileError, read_table, write_csv, write_xlsx

bp = Blueprint("admin", __name__, url_prefix="/admin")
TABLES: dict[str, Table] = {**REFERENCE_TABLES, **PEOPLE_TABLES}


def _table(key: str, action: str = "list") -> Table:
    """The table, if the user may do this with it: 404 for a table they may not list, 403
    for an action they may not take."""
    table = TABLES.get(key)
    if table is None or not policy.can_table(current_user, table.access.list):
        abort(404)
    require(policy.can_table(current_user, getattr(table.access, action)))
    return table


def _row(table: Table, row_id: int):
    row = db.session.scalars(lists.base_query(table, current_user)
                             .where(table.model.id == row_id)).first()
    if row is None:
        abort(404)
    return row


def _bulk(table: Table) -> list:
    return [b for b in table.bulk if policy.can_table(current_user, b.roles)]


def row_context(table: Table) -> dict:
    """What every row of a page shares, worked out once (a page of 50 rows would otherwise
    ask the rights, translate the labels and build the URLs 50 times)."""
    return {"bulk": bool(_bulk(table)), "listed": [c for c in table.columns if c.listed],
            "edit": bool(table.editable_columns())
            and policy.can_table(current_user, table.access.edit),
            "history": policy.can_table(current_user, table.access.history),
            "base": url_for("admin.grid", key=table.key),  # rows live at <base>/<id>/...
            "select": _("Select"), "edit_label": _("Edit"), "history_label": _("History")}


@bp.get("/")
def index():
    tables = [t for t in TABLES.values() if policy.can_table(current_user, t.access.list)]
    require(bool(tables))
    return render("admin/index.html", tables=tables)


@bp.get("/<key>")
def grid(key: str):
    table = _table(key)
    if table.single:
        return redirect(url_for("admin.settings"))
    page = lists.listing(table, request.args, current_user)
    new_form = table.form_class()(formdata=None) if table.new_url is None else None
    return render("admin/grid.html", block="listing", table=table, page=page, new_form=new_form,
                  bulk=_bulk(table), rc=row_context(table))


@bp.get("/<key>/<int:row_id>/edit")
def edit_row(key: str, row_id: int):
    table = _table(key, "edit")
    row = _row(table, row_id)
    form = table.form_class()(data=table.values(row))
    if is_htmx():
        return render_template("admin/_edit_row.html", table=table, row=row, form=form)
    return render("admin/edit.html", table=table, row=row, form=form)


@bp.post("/<key>/<int:row_id>")
def save_row(key: str, row_id: int):
    table = _table(key, "edit")
    row = _row(table, row_id)
    form = table.form_class()()
    if form.validate() and _store(table, row, form):
        db.session.commit()
        if is_htmx():
            return render_template("admin/_row.html", table=table, row=row,
                                   rc=row_context(table))
        flash(_("Saved."), "success")
        return redirect(url_for("admin.grid", key=key))
    if is_htmx():
        return render_template("admin/_edit_row.html", table=table, row=row, form=form), 422
    return render("admin/edit.html", table=table, row=row, form=form, status=422)


@bp.post("/<key>/new")
def add_row(key: str):
    table = _table(key, "edit")
    require(not table.single and table.new_url is None)
    form = table.form_class()()
    row = table.model(**table.defaults())
    if form.validate() and _store(table, row, form, new=True):
        db.session.commit()
        flash(_("Added."), "success")
        return redirect(url_for("admin.grid", key=key))
    page = lists.listing(table, request.args, current_user)
    return render("admin/grid.html", table=table, page=page, new_form=form,
                  bulk=_bulk(table), rc=row_context(table), status=422)


@bp.route("/<key>/<int:row_id>/delete", methods=["GET", "POST"])
def delete_row(key: str, row_id: int):
    """Ask first (a page, or the row itself under htmx); delete on the confirming POST."""
    table = _table(key, "edit")
    require(not table.single and table.deletable)
    row = _row(table, row_id)
    refused = table.delete_refusal(row) if table.delete_refusal else None
    if refused:
        flash(refused, "error")
        return redirect(url_for("admin.grid", key=key))
    if request.method == "GET" or request.form.get("confirm") != "yes":
        if is_htmx():
            return render_template("admin/_confirm_delete.html", table=table, row=row)
        return render("admin/confirm_delete.html", table=table, row=row)
    try:
        before = audit.snapshot(row, [c.name for c in table.editable_columns()
                                      if c.get is None])
        db.session.delete(row)
        db.session.flush()
        if table.after_change is not None:
            table.after_change(row)
    except IntegrityError:
        db.session.rollback()
        flash(_("This row is in use elsewhere in the journal and cannot be deleted."), "error")
    else:
        audit.record_change(current_user, table.history_type, row_id, before, {}, "delete")
        db.session.commit()
        flash(_("Deleted."), "success")
    return redirect(url_for("admin.grid", key=key))


@bp.get("/<key>/<int:row_id>/history")
def history(key: str, row_id: int):
    """Who changed which field of the row, from what to what, and when."""
    table = _table(key, "history")
    row = _row(table, row_id)
    changes = readable(table, audit.history(table.history_type, row.id))
    return render("admin/history.html", block="drawer", table=table, row=row, changes=changes)


@bp.post("/<key>/bulk")
def bulk(key: str):
    """An action on the selected rows (only rows the user may see)."""
    table = _table(key, "edit")
    action = next((b for b in table.bulk if b.name == request.form.get("action")), None)
    if action is None or not policy.can_table(current_user, action.roles):
        abort(404)
    ids = [i for i in (to_id(v) for v in request.form.getlist("ids")) if i is not None]
    rows = list(db.session.scalars(lists.base_query(table, current_user)
                                   .where(table.model.id.in_(ids)))) if ids else []
    back = url_for("admin.grid", key=key) + ("?" + request.form["back"]
                                             if request.form.get("back") else "")
    if not rows:
        flash(_("Select rows first."), "error")
        return redirect(back, 303)
    try:
        done = action.run(current_user, rows, request.form.get("value", ""))
    except ValueError as error:
        db.session.rollback()
        flash(getattr(error, "message", str(error)), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(ngettext("%(num)d row changed.", "%(num)d rows changed.", done), "success")
    return redirect(back, 303)


@bp.get("/<key>/export.<fmt>")
def export(key: str, fmt: str):
    """Every row the search and the filters find, as XLSX or CSV."""
    table = _table(key, "export")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    headers, rows = transfer.export_rows(table, lists.all_rows(table, request.args,
                                                               current_user))
    body = write_xlsx(str(table.title), headers, rows) if fmt == "xlsx" else write_csv(
        headers, rows)
    mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx" else "text/csv; charset=utf-8")
    name = f"{table.key}-{clock.today().isoformat()}.{fmt}"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<key>/import", methods=["GET", "POST"])
def import_file(key: str):
    """Upload a file and see what it would do; nothing is written yet."""
    table = _table(key, "import_")
    if not table.importable:
        abort(404)
    importer = table.importer
    if request.method == "GET":
        return render("admin/import.html", table=table, plan=None, token=None, error=None)
    upload = request.files.get("file")
    error = None
    if upload is None or not upload.filename:
        error = _("Choose a file.")
    else:
        try:
            cells = read_table(upload.filename, upload.read())
            plan = (importer.plan(cells, upload.filename) if importer is not None else
                    transfer.plan_import(table, cells, upload.filename))
        except TableFileError as refused:
            error = refused.message
    if error:
        return render("admin/import.html", table=table, plan=None, token=None, error=error,
                      status=422)
    token = imports.keep(plan, current_user.id) if not plan.refused else None
    return render("admin/import.html", table=table, plan=plan, token=token, error=None,
                  status=422 if plan.refused else 200)


@bp.post("/<key>/import/apply")
def import_apply(key: str):
    """Write what the preview showed: every row, or (with one refused) none."""
    table = _table(key, "import_")
    plan = imports.take(request.form.get("token", ""), current_user.id, table.key)
    if plan is None or plan.refused:
        flash(_("This preview has expired or was used already: upload the file again."),
              "error")
        return redirect(url_for("admin.import_file", key=key), 303)
    try:
        done = (table.importer.apply(current_user, plan) if table.importer is not None
                else _apply(table, plan))
        if table.after_change is not None:
            table.after_change(None)
    except ValueError as error:
        db.session.rollback()
        flash(getattr(error, "message", str(error)) + " " + _("Nothing was imported."), "error")
        return redirect(url_for("admin.import_file", key=key), 303)
    db.session.commit()
    flash(_("Imported: %(created)d new, %(changed)d changed, %(same)d unchanged.",
            created=done.get("create", 0), changed=done.get("change", 0),
            same=done.get("same", 0)), "success")
    return redirect(url_for("admin.grid", key=key), 303)


def _apply(table: Table, plan: imports.Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for planned in plan.rows:
        counts[planned.status] = counts.get(planned.status, 0) + 1
        if planned.status == "same":
            continue
        row = (db.session.get(table.model, planned.row_id) if planned.row_id
               else table.model(**table.defaults()))
        form = table.form_class()(formdata=transfer.form_data(table, planned),
                                  meta={"csrf": False})
        if row is None or not form.validate() or not _store(table, row, form,
                                                            new=planned.row_id is None):
            raise ValueError(_("Row %(n)d can no longer be imported.", n=planned.number))
    return counts


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    table = _table("settings", "edit")
    row = table.rows()[0] if table.rows() else abort(404)
    form = table.form_class()(data=table.values(row)) if request.method == "GET" else \
        table.form_class()()
    if request.method == "POST" and form.validate() and _store(table, row, form):
        db.session.commit()
        clock.forget_zone()
        flash(_("The school settings have been saved."), "success")
        return redirect(url_for("admin.settings"))
    status = 422 if form.errors else 200
    return render("admin/edit.html", table=table, row=row, form=form, status=status)


def _store(table: Table, row, form, new: bool = False) -> bool:
    """Copy the form onto the row; a constraint the form could not see becomes a form error.
    The change goes into the audit trail with each field's old and new value."""
    cols = table.editable_columns()
    before = {} if new else {c.name: audit.plain(table.value(row, c)) for c in cols}
    # No flush before the check: a column's put may query (the current year), and a flush
    # of a year ending before it starts broke the table's CHECK constraint, a 500.
    with db.session.no_autoflush:
        for col in cols:
            value = form[col.name].data
            if isinstance(value, Decimal):
                value = float(value)
            if isinstance(value, str):
                value = value.strip()
            table.put(row, col, value)
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
    after = {c.name: audit.plain(table.value(row, c)) for c in cols}
    audit.record_change(current_user, table.history_type, row.id, before, after,
                        "create" if new else "update")
    if table.after_change is not None:
        table.after_change(row)
    return True
