"""The school's date and time for every rule, page and report; one place so tests move time.

The server may run in UTC (or anywhere): "today" is the date at the school, in the time zone of
the school's settings (School.timezone), or of the configuration (TABEL_TIMEZONE) before the
school card exists. Stored instants (updated_at, audit rows) stay in UTC.
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, has_app_context

from services import settings_cache

DEFAULT_ZONE = "Asia/Almaty"


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


def stamp(at: dt.datetime) -> str:
    """A stored instant (naive means UTC) at the school, as the journal writes it
    (dd.mm.yyyy hh:mm): far cheaper than Babel's formatting on every row of a long list."""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone()).strftime("%d.%m.%Y %H:%M")


def zone_name() -> str:
    """The IANA name of the school's zone ("Asia/Almaty"): the setting, else the config.

    Read through services.settings_cache: a rule that asks for today on every cell save must
    not cost a query."""
    if not has_app_context():
        return DEFAULT_ZONE
    name = settings_cache.school_value("timezone") or current_app.config.get(
        "BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    return name if is_zone(name) else DEFAULT_ZONE


def forget_zone() -> None:
    """Read the zone again on next use (after the school settings change)."""
    settings_cache.forget()


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
