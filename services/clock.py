"""The school's date and time for every rule, page and report; one place so tests move time.

The server may run in UTC (or anywhere): "today" is the date at the school, in the time zone of
the school's settings (School.timezone), or of the configuration (TABEL_TIMEZONE) before the
school card exists. Stored instants (updated_at, audit rows) stay in UTC.
"""
from __future__ import annotations

import datetime as dt
import time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from models import School

DEFAULT_ZONE = "Asia/Almaty"
# The zone is read from the database at most this often per process: it changes once in a
# school's life, and a rule that asks for today on every cell save must not cost a query.
_TTL_SECONDS = 60.0
_zones: dict[str, tuple[float, str]] = {}


def utcnow() -> dt.datetime:
    """The current instant (aware, UTC). Tests replace this to move the clock."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """The current date and time at the school (aware, in the school's zone)."""
    return utcnow().astimezone(zone())


def today() -> dt.date:
    """The school's date: what "today" means for edit windows, the diary and every report."""
    return now().date()


@cache
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The school's time zone."""
    return _zoneinfo(zone_name())


def zone_name() -> str:
    """The IANA name of the school's zone ("Asia/Almaty"): the setting, else the config."""
    if not has_app_context():
        return DEFAULT_ZONE
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    seen = _zones.get(key)
    if seen is not None and time.monotonic() - seen[0] < _TTL_SECONDS:
        return seen[1]
    name = _school_zone() or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    if not is_zone(name):
        name = DEFAULT_ZONE
    _zones[key] = (time.monotonic(), name)
    return name


def _school_zone() -> str | None:
    try:
        return db.session.scalar(select(School.timezone).order_by(School.id).limit(1))
    except SQLAlchemyError:  # no tables yet (a fresh database before its migrations)
        db.session.rollback()
        return None


def forget_zone() -> None:
    """Read the zone again on next use (after the school settings change)."""
    _zones.clear()


def is_zone(name: str) -> bool:
    """True for a time zone name this machine knows (from the tz database)."""
    if not name or name != name.strip():
        return False
    try:
        _zoneinfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def zone_choices() -> list[str]:
    """Every zone name the machine knows, Asia and Europe first (where our schools are)."""
    names = sorted(available_timezones())
    first = [n for n in names if n.startswith(("Asia/", "Europe/"))]
    return first + [n for n in names if n not in first]
