"""The deputy's log of every change (the audit trail), filtered and exported."""
from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, Response, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin.history import changes_text, field_label
from blueprints.common import render, require
from blueprints.parse import arg_id
from services import audit_log, clock, policy

bp = Blueprint("audit", __name__, url_prefix="/audit")

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date(name: str, errors: list[str]) -> dt.date | None:
    """A school date from the query string; a clear error (and no filter) when malformed."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        # Years far from date.min/max: the school's midnight in UTC overflows there.
        if _DATE.match(raw) and 2000 <= int(raw[:4]) <= 2100:
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    errors.append(_("“%(value)s” is not a date: the filter is left out.", value=raw[:20]))
    return None


def _filters() -> tuple[audit_log.Filters, list[str]]:
    """The filters kept in the URL; malformed ones are dropped with a message."""
    errors: list[str] = []
    group = request.args.get("group", "")
    filters = audit_log.Filters(
        class_id=arg_id(request.args, "class"), subject_id=arg_id(request.args, "subject"),
        teacher_id=arg_id(request.args, "teacher"), pupil_id=arg_id(request.args, "pupil"),
        group=group if group in audit_log.GROUPS else None,
        date_from=_date("from", errors), date_to=_date("to", errors),
        before=audit_log.parse_cursor(request.args.get("before")))
    return filters, errors


def _args(**changed: object) -> dict[str, str]:
    """The current filters as URL arguments (for the "older" link and the export)."""
    args = {k: v for k, v in request.args.items() if v and k != "before"}
    args.update({k: str(v) for k, v in changed.items() if v})
    return args


@bp.get("/")
def index():
    """The log: newest first, a page at a time, with the filters kept in the URL."""
    require(policy.can_read_audit_log(current_user))
    filters, errors = _filters()
    locale, user = str(get_locale()), current_user._get_current_object()  # not the proxy
    rows, older = audit_log.page(user, filters, locale)
    return render("audit/index.html", rows=rows, older=older, filters=filters,
                  errors=errors, args=_args, groups=audit_log.GROUPS, label=field_label,
                  choices=audit_log.choices(user, filters.class_id, locale))


@bp.get("/export.xlsx")
def export():
    """The filtered rows as an XLSX file (at most audit_log.EXPORT_CAP rows)."""
    require(policy.can_read_audit_log(current_user))
    filters, _errors = _filters()
    body = audit_log.write_xlsx(current_user, filters, str(get_locale()), _headers(), _cells,
                                _("The file stops at %(n)s rows: narrow the filters.",
                                  n=f"{audit_log.EXPORT_CAP:,}".replace(",", " ")))
    name = f"audit-{clock.today().isoformat()}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="{name}"',
                        "Cache-Control": "no-store"})


def _cells(row: audit_log.Row) -> list[object]:
    """One row of the file: the moment in school time, names, and old and new as text."""
    return [row.when, row.who, row.role,
            row.action, row.class_name, row.subject, row.pupil, row.object,
            *(changes_text(row.changes, side) for side in (1, 2))]


def _headers() -> list[str]:
    return [_("When"), _("Who"), _("Role"), _("Action"), _("Class"), _("Subject"), _("Pupil"),
            _("Object"), _("Was"), _("Became")]
