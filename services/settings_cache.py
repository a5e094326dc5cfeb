"""School settings read on every request (the time zone, "is this the demo school?") without
a query on every request: kept per process for a minute, forgotten at once after the settings
page saves. They change once in a school's life, and a fixed number of queries per page is
worth more than a minute's delay in another worker process."""
from __future__ import annotations

import time
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from models import School

TTL_SECONDS = 60.0
_seen: dict[str, tuple[float, dict[str, Any]]] = {}
FIELDS = ("id", "timezone", "is_demo", "session_idle_minutes")


def school_value(name: str) -> Any:
    """A setting of the school (None before the school card exists or outside the app)."""
    if not has_app_context():
        return None
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    seen = _seen.get(key)
    if seen is None or time.monotonic() - seen[0] >= TTL_SECONDS:
        seen = (time.monotonic(), _read())
        _seen[key] = seen
    return seen[1].get(name)


def _read() -> dict[str, Any]:
    try:
        row = db.session.execute(select(*(getattr(School, f) for f in FIELDS))
                                 .order_by(School.id).limit(1)).first()
    except SQLAlchemyError:  # no tables yet (a fresh database before its migrations)
        db.session.rollback()
        return {}
    return dict(zip(FIELDS, row, strict=True)) if row else {}


def forget() -> None:
    """Read the settings again on next use (after they change)."""
    _seen.clear()
