"""Delays after failed sign-ins: per typed name and address together, and per address.

An attacker guessing a teacher's password from one address slows down only that name from
that address; the teacher, signing in from school, is not locked out (no lock-out anyone can
trigger against someone else). An address that tries many names slows down as a whole.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from extensions import db
from models import LoginAttempt
from services import clock

WINDOW = dt.timedelta(minutes=15)
FREE_PER_NAME = 5      # failures of one name from one address before delays start
MAX_NAME_DELAY = 60    # seconds
FREE_PER_ADDRESS = 30  # failures of any names from one address before delays start
MAX_ADDRESS_DELAY = 300


def _key(username: str) -> str:
    return username.strip().casefold()[:60]


def wait_seconds(username: str, address: str) -> int:
    """How long this name from this address must still wait before trying again (0: now)."""
    now = clock.utcnow().replace(tzinfo=None)
    since = now - WINDOW
    name_n, name_last = _failures(since, LoginAttempt.username == _key(username),
                                  LoginAttempt.address == address)
    addr_n, addr_last = _failures(since, LoginAttempt.address == address)
    waits = [0]
    if name_n >= FREE_PER_NAME:
        waits.append(_left(name_last, min(2 ** (name_n - FREE_PER_NAME), MAX_NAME_DELAY), now))
    if addr_n >= FREE_PER_ADDRESS:
        waits.append(_left(addr_last, min(2 ** (addr_n - FREE_PER_ADDRESS), MAX_ADDRESS_DELAY),
                           now))
    return max(waits)


def _failures(since: dt.datetime, *where) -> tuple[int, dt.datetime | None]:
    """Failures since the last success (within the window), and the last failure's time."""
    last_ok = select(func.max(LoginAttempt.at)).where(*where, LoginAttempt.ok).scalar_subquery()
    row = db.session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(*where, ~LoginAttempt.ok, LoginAttempt.at >= since,
               LoginAttempt.at > func.coalesce(last_ok, since))).one()
    return row[0] or 0, row[1]


def _left(last: dt.datetime | None, delay: int, now: dt.datetime) -> int:
    if last is None:
        return 0
    remaining = (last + dt.timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(remaining + 0.999))


def note(username: str, address: str, ok: bool) -> None:
    """Record an attempt (kept for the administrator's list of failed sign-ins)."""
    db.session.add(LoginAttempt(username=_key(username), address=address[:64], ok=ok,
                                at=clock.utcnow().replace(tzinfo=None)))
