"""The audit trail (DOMAIN.md 9): who changed which fields of what, from what to what, and
who read a pupil's card. Rows are written here and never edited in the application.

Changes are recorded field by field as JSON objects {"field": value}, so a row's history can
say "phone: +7 701 … → +7 702 …". Values are made JSON-safe (dates as ISO text).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from extensions import db
from models import AuditEvent, User


def plain(value: Any) -> Any:
    """A value as the audit trail keeps it in JSON (dates as ISO text)."""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of an object, JSON-safe, before or after a change."""
    return {name: plain(getattr(obj, name, None)) for name in fields}


def record_change(user: User | None, object_type: str, object_id: int | None,
                  before: dict[str, Any], after: dict[str, Any], action: str = "update",
                  pupil_id: int | None = None) -> bool:
    """One audit row with the fields that changed (old and new values); False when none did."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    if not changed and action == "update":
        return False
    db.session.add(AuditEvent(
        user_id=user.id if user else None, action=f"{object_type}.{action}",
        object_type=object_type, object_id=object_id, pupil_id=pupil_id,
        old=json.dumps({k: before.get(k) for k in changed}, ensure_ascii=False, sort_keys=True),
        new=json.dumps({k: after.get(k) for k in changed}, ensure_ascii=False, sort_keys=True)))
    return True


def record(user: User | None, object_type: str, object_id: int | None, action: str,
           details: dict[str, Any] | None = None, pupil_id: int | None = None) -> None:
    """An event without before/after fields: a card read, an account issued, a revocation."""
    db.session.add(AuditEvent(
        user_id=user.id if user else None, action=f"{object_type}.{action}",
        object_type=object_type, object_id=object_id, pupil_id=pupil_id, old="",
        new=json.dumps({k: plain(v) for k, v in (details or {}).items()},
                       ensure_ascii=False, sort_keys=True) if details else ""))


@dataclass
class Change:
    """One line of a row's history: when, who, what, and each field's old and new value."""

    at: dt.datetime
    who: str
    action: str
    fields: list[tuple[str, Any, Any]]


def history(object_type: str, object_id: int, limit: int = 200) -> list[Change]:
    """The audit rows of one object, newest first, fields decoded (two queries)."""
    rows = db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    out = []
    for event, user in rows:
        old, new = _decode(event.old), _decode(event.new)
        names = sorted(set(old) | set(new))
        out.append(Change(event.at, user.person.short_name if user else "—",
                          event.action.split(".")[-1],
                          [(n, old.get(n), new.get(n)) for n in names]))
    return out


def _decode(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"": text}
    return value if isinstance(value, dict) else {"": value}
