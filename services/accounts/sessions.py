"""Signed-in browsers, each a user_session row: revocable one by one, ended when idle.

Flask keeps its session in a signed cookie, so signing out alone cannot make a copy of the
cookie useless. Each sign-in therefore makes a random token; the cookie (and the
remember-me cookie) carry it, the table keeps its hash, and the user loader accepts a cookie
only while its row is open and the account's session version matches. Sign-out ends the
row; a password change, a reset, "sign out everywhere" and disabling the account bump the
version and end every row.

Idle time: the cookie carries when it was last used (signed, so it cannot be moved on by
hand); a session unused for the school's session_idle_minutes ends. A remember-me sign-in
is the user's choice to stay: it lasts REMEMBER_DAYS from the sign-in instead.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

from sqlalchemy import delete, or_, select, update

from extensions import db
from models import Staff, User, UserSession
from services import clock, settings_cache

REMEMBER_DAYS = 30
# The last-use mark in the cookie moves on at most this often (a new cookie each request
# would cost bytes on every answer for nothing).
SEEN_STEP_SECONDS = 60
DEFAULT_IDLE_MINUTES = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return clock.utcnow().replace(tzinfo=None)


def start(user: User, remember: bool) -> str:
    """A new session row for this sign-in; the token goes into the cookie via get_id()."""
    token = secrets.token_urlsafe(24)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), remember=remember,
                               created_at=_now()))
    user.session_token = token
    _forget_old()
    return token


def end(user: User) -> None:
    """Sign-out: this browser's session ends, its cookies (and copies of them) with it."""
    token = getattr(user, "session_token", None)
    if token:
        db.session.execute(update(UserSession).where(
            UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=_now()))


def _forget_old() -> None:
    """Rows nobody can use any more go, a few at each sign-in."""
    limit = _now() - dt.timedelta(days=REMEMBER_DAYS + 1)
    db.session.execute(delete(UserSession).where(or_(
        UserSession.created_at < limit, UserSession.ended_at < _now() - dt.timedelta(days=1))))


def load(user_id: int, version: int, token: str) -> tuple[User, Staff | None, bool] | None:
    """The account, its staff record and whether the sign-in is remembered, in one query;
    None when the row is ended or too old or the version is not the account's."""
    row = db.session.execute(
        select(User, Staff, UserSession.remember, UserSession.created_at)
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(Staff, Staff.person_id == User.person_id)
        .where(User.id == user_id, UserSession.token_hash == _hash(token),
               UserSession.ended_at.is_(None))).first()
    if row is None or row[0].session_version != version:
        return None
    user, staff, remember, created = row
    if remember and created < _now() - dt.timedelta(days=REMEMBER_DAYS):
        return None
    user.session_token = token
    return user, staff, remember


def idle_limit_seconds() -> int:
    return 60 * int(settings_cache.school_value("session_idle_minutes") or DEFAULT_IDLE_MINUTES)


# Requests a page makes by itself (the header's unread-messages poll every minute): they are
# not the user's activity, so a phone left open on a page still signs out when idle.
BACKGROUND_ENDPOINTS = frozenset({"messages.unread"})


def still_fresh(cookie: dict, remember: bool, activity: bool = True) -> bool:
    """Whether the session was used recently enough; an activity moves its last-use mark
    on (a background request does not)."""
    now = int(time.time())
    seen = cookie.get("seen")
    if not remember and (not isinstance(seen, int) or now - seen > idle_limit_seconds()):
        return False
    if not activity and isinstance(seen, int):
        return True
    if not isinstance(seen, int) or now - seen >= SEEN_STEP_SECONDS:
        cookie["seen"] = now
    return True
