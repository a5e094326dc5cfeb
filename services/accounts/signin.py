"""Signing in and account settings, without the web layer."""
from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models import User
from models.users import PASSWORD_METHOD


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so both failures take the same time."""
    return generate_password_hash("not-a-password", method=PASSWORD_METHOD)


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (same cost either way)."""
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = dt.datetime.now(dt.UTC)
    return user


class PasswordError(ValueError):
    """The current password given for a change is wrong."""


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; raises PasswordError."""
    if not user.check_password(current):
        raise PasswordError
    user.set_password(new)


def set_locale(user: User | None, locale: str) -> bool:
    """Save a language choice on the account; False for a language we do not have."""
    if locale not in ("ru", "kk"):
        return False
    if user is not None:
        user.locale = locale
    return True
